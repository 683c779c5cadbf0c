/** What an {@link IndexedSet} member carries: its position, owned by the set holding it. */
export interface Slotted {
  slot: number
}

/**
 * A set that can also hand out its i-th member, for O(1) uniform sampling; removal swaps the
 * last member into the hole. Each member stores its own position, so a member can belong to at
 * most one IndexedSet at a time.
 */
export class IndexedSet<T extends Slotted> {
  private readonly items: T[] = []

  get size(): number {
    return this.items.length
  }

  has(item: T): boolean {
    return this.items[item.slot] === item
  }

  add(item: T): void {
    if (this.has(item)) return
    item.slot = this.items.length
    this.items.push(item)
  }

  delete(item: T): boolean {
    if (!this.has(item)) return false
    const last = this.items.pop()!
    if (last !== item) {
      this.items[item.slot] = last
      last.slot = item.slot
    }
    item.slot = -1
    return true
  }

  at(index: number): T | undefined {
    return this.items[index]
  }

  values(): IterableIterator<T> {
    return this.items.values()
  }

  clear(): void {
    for (const item of this.items) item.slot = -1
    this.items.length = 0
  }
}

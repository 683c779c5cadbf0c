/** A listener of one typed event. */
export type EventHandler<Detail> = (evt: CustomEvent<Detail>) => void

/** Options of `addEventListener`, as the DOM's. */
export interface ListenerOptions {
  /** Remove the listener after its first call. */
  once?: boolean
  /** Remove the listener when this signal aborts. */
  signal?: AbortSignal
}

/**
 * An event target whose event names and `detail` types are checked by the compiler.
 * Listeners receive `CustomEvent<Detail>`.
 */
export interface TypedEventTarget<EventMap extends Record<string, unknown>> {
  /** Calls `listener` with a `CustomEvent` whose `detail` is typed by the event name. */
  addEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: EventHandler<EventMap[K]> | null,
    options?: boolean | ListenerOptions
  ): void
  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: EventHandler<EventMap[K]> | null,
    options?: boolean
  ): void
  /** Delivers `event` to the listeners of its type; false if one called `preventDefault`. */
  dispatchEvent(event: Event): boolean
}

/** Base class for components that emit typed events (a thin layer over `EventTarget`). */
export class TypedEventEmitter<EventMap extends Record<string, unknown>> implements TypedEventTarget<EventMap> {
  readonly #target = new EventTarget()

  addEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: EventHandler<EventMap[K]> | null,
    options?: boolean | ListenerOptions
  ): void {
    if (listener !== null) this.#target.addEventListener(type, listener as (evt: Event) => void, options)
  }

  removeEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: EventHandler<EventMap[K]> | null,
    options?: boolean
  ): void {
    if (listener !== null) this.#target.removeEventListener(type, listener as (evt: Event) => void, options)
  }

  dispatchEvent(event: Event): boolean {
    return this.#target.dispatchEvent(event)
  }

  /** Dispatches `type` with `detail` to every listener, synchronously. */
  emit<K extends keyof EventMap & string>(type: K, detail: EventMap[K]): boolean {
    return this.#target.dispatchEvent(new CustomEvent(type, { detail }))
  }
}

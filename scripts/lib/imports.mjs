// Finds the modules a built file loads. Comments are removed first: TSDoc examples in .d.ts
// and .js files mention other packages (`import { loadConfig } from '@p2p/config'`) that the
// code itself never loads.

/** `code` without its comments; strings, template literals and regexes are kept as they are. */
export function stripComments(code) {
  let out = ''
  let i = 0
  const n = code.length
  while (i < n) {
    const c = code[i]
    const next = code[i + 1]
    if (c === '/' && next === '/') {
      while (i < n && code[i] !== '\n') i++
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2)
      i = end === -1 ? n : end + 2
    } else if (c === '"' || c === "'" || c === '`') {
      const start = i++
      while (i < n && code[i] !== c) {
        if (code[i] === '\\') i++
        i++
      }
      out += code.slice(start, ++i)
    } else {
      out += c
      i++
    }
  }
  return out
}

const SPECIFIER_RES = [
  /(?:^|[^\w$.])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/gm,
  /(?:^|[^\w$.])(?:import|export)\s*(?:type\s*)?\{[^}]*\}\s*from\s*['"]([^'"]+)['"]/gm,
  /(?:^|[^\w$.])import\s*['"]([^'"]+)['"]/gm,
  /(?:^|[^\w$.])import\s*\(\s*['"]([^'"]+)['"]\s*[),]/gm,
  /(?:^|[^\w$.])require\s*\(\s*['"]([^'"]+)['"]\s*\)/gm,
  /\/\/\/\s*<reference\s+types\s*=\s*['"]([^'"]+)['"]/gm
]

/** Every module specifier `code` imports, exports from, requires or references. */
export function importSpecifiers(code) {
  const refs = [...code.matchAll(SPECIFIER_RES[5])].map((m) => m[1])
  const bare = stripComments(code)
  const out = new Set(refs)
  for (const re of SPECIFIER_RES.slice(0, 5)) for (const m of bare.matchAll(re)) out.add(m[1])
  return out
}

/** Whether `name` appears as a string literal in `code` (comments removed). */
export function mentionsAsString(code, name) {
  const bare = stripComments(code)
  return bare.includes(`'${name}`) || bare.includes(`"${name}`) || bare.includes(`\`${name}`)
}

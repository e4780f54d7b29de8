// Fails when modules of a crate import each other in a circle.
//
// Each .rs file under the crate's src folder is a module (lib.rs the root,
// foo/mod.rs `foo`). A module depends on another when its code names it
// through `crate::…` or `super::…` (in `use` lines, `use` groups or inline
// paths); a path is resolved to the longest module it names. A module
// naming one of its ancestors (a child using its parent's helpers) is not
// counted: Rust's nesting makes that edge by construction. A parent naming
// a child (`clients::create` in `management/mod.rs`) is.
//
// Usage: node scripts/module-cycles.mjs durable/src [more crate src dirs]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.rs') ? [p] : [];
  });
}

/** `op/mod.rs` → `op`, `op/rp.rs` → `op::rp`, `lib.rs` → `` (the root). */
function moduleOf(root, file) {
  const parts = relative(root, file).split(sep);
  const last = parts.pop().replace(/\.rs$/, '');
  if (last !== 'mod' && !(parts.length === 0 && last === 'lib')) parts.push(last);
  return parts.join('::');
}

/** Expands `a::{b, c::{d, e}, f}` into `a::b`, `a::c::d`, `a::c::e`, `a::f`. */
function expand(path) {
  const open = path.indexOf('{');
  if (open < 0) return [path];
  let depth = 0;
  let close = -1;
  for (let i = open; i < path.length; i++) {
    if (path[i] === '{') depth++;
    if (path[i] === '}' && --depth === 0) { close = i; break; }
  }
  const head = path.slice(0, open);
  const inner = path.slice(open + 1, close);
  const items = [];
  let cur = '';
  depth = 0;
  for (const ch of inner) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ',' && depth === 0) { items.push(cur); cur = ''; } else cur += ch;
  }
  items.push(cur);
  return items.map((s) => s.trim()).filter(Boolean).flatMap((s) => expand(head + s).map((p) => p + path.slice(close + 1)));
}

function check(root) {
  const mods = new Map(files(root).map((f) => [moduleOf(root, f), f]));
  const edges = new Map([...mods.keys()].map((m) => [m, new Set()]));
  for (const [mod, file] of mods) {
    const code = readFileSync(file, 'utf8')
      .replace(/\/\/.*$/gm, '')
      .replace(/#\[cfg\(test\)\][\s\S]*$/m, ''); // tests may use anything
    const paths = [];
    for (const m of code.matchAll(/\buse\s+((?:crate|super)::[^;]+);/g)) paths.push(...expand(m[1].replace(/\s+/g, '')));
    for (const m of code.matchAll(/\b((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+)/g)) paths.push(m[1]);
    // A parent names its children without a prefix (`clients::create`).
    for (const child of mods.keys()) {
      const rest = mod === '' ? child : child.startsWith(`${mod}::`) ? child.slice(mod.length + 2) : null;
      if (rest && !rest.includes('::') && new RegExp(`(^|[^:A-Za-z0-9_])(self::)?${rest}::`, 'm').test(code.replace(/^\s*(pub(\([^)]*\))?\s+)?mod\s+\w+;/gm, ''))) {
        paths.push(`crate::${child}`);
      }
    }
    const self = mod === '' ? [] : mod.split('::');
    for (const p of paths) {
      let segs = p.split('::');
      if (segs[0] === 'crate') segs = segs.slice(1);
      else {
        // `super` is the parent of this module (of the folder for mod.rs).
        const base = [...self];
        while (segs[0] === 'super') { segs = segs.slice(1); base.pop(); }
        segs = [...base, ...segs];
      }
      let target = null;
      for (let n = segs.length; n >= 0; n--) {
        const cand = segs.slice(0, n).join('::');
        if (mods.has(cand)) { target = cand; break; }
      }
      if (target === null || target === mod) continue;
      const ancestor = target === '' || mod === target || mod.startsWith(`${target}::`);
      if (!ancestor) edges.get(mod).add(target);
    }
  }
  // Tarjan's strongly connected components: any of size > 1 is a cycle.
  let index = 0;
  const idx = new Map(); const low = new Map(); const stack = []; const on = new Set(); const cycles = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of edges.get(v)) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) cycles.push(comp.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  for (const c of cycles) {
    const inCycle = new Set(c);
    const links = c.flatMap((m) => [...edges.get(m)].filter((t) => inCycle.has(t)).map((t) => `${m || 'crate'} → ${t || 'crate'}`));
    console.error(`${root}: modules in a cycle: ${c.map((m) => m || 'crate').join(', ')}\n  ${links.join('\n  ')}`);
  }
  return cycles.length;
}

const roots = process.argv.slice(2);
const found = roots.reduce((n, r) => n + check(r), 0);
if (found > 0) process.exit(1);
console.log(`module-cycles: no import cycle in ${roots.join(', ')}`);

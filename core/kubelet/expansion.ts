// Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion), used for env values and
// for command/args: `$(NAME)` becomes NAME's value when NAME is known and stays as written
// otherwise; `$$` is an escaped `$` (so `$$(NAME)` yields the literal `$(NAME)`); any other
// `$` is kept.

/** A lookup over the given maps, first match wins; unknown names stay as `$(NAME)`. */
export function mappingFuncFor(...contexts: ReadonlyMap<string, string>[]): (name: string) => string {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

export function expand(input: string, mapping: (name: string) => string): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const { read, isVar, advance } = tryReadVariableName(input.slice(cursor + 1));
    out += isVar ? mapping(read) : read;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function tryReadVariableName(input: string): { read: string; isVar: boolean; advance: number } {
  if (input[0] === "$") return { read: "$", isVar: false, advance: 1 };
  if (input[0] === "(") {
    const close = input.indexOf(")", 1);
    if (close >= 0) return { read: input.slice(1, close), isVar: true, advance: close + 1 };
    // An unterminated reference is kept as written.
    return { read: "$(", isVar: false, advance: 1 };
  }
  return { read: `$${input[0]}`, isVar: false, advance: 1 };
}

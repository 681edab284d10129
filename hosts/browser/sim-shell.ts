// The simulated runtime's exec: a very small shell over an in-memory filesystem per
// container, enough for probes and `kubectl exec` demos. It knows `true`, `false`, `:`,
// `exit N`, `echo [-n] …` (with `>`/`>>` into a file), `cat [file…]` (stdin without files),
// `touch`, `rm [-f]`, `mkdir`, `test`/`[ -e|-f|-d|-s file ]`, `hostname`, `sleep N` (on the
// runtime's Clock) and `sh -c '…'`, joined by `;`, `&&`, `||`. Errors read as busybox's.
// Anything else exits 0 without output, so exec probes of unknown commands pass.

export interface ShellEnv {
  /** path → content; the container's filesystem (starts with /etc/hostname). */
  files: Map<string, string>;
  hostname: string;
  sleep(ms: number): Promise<void>;
  /** Start-up mode: stop (successfully) at the first `sleep`, instead of sleeping. */
  stopAtSleep?: boolean;
}

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

type Token = { op: ";" | "&&" | "||" | ">" | ">>" } | { word: string };

const SHELLS = new Set(["sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"]);

/** A fresh container filesystem. */
export function initialFiles(hostname: string): Map<string, string> {
  return new Map([["/etc/hostname", `${hostname}\n`]]);
}

/** Runs argv (an exec's command) with `stdin`. */
export async function runCommand(argv: string[], env: ShellEnv, stdin = ""): Promise<ShellResult> {
  const io = { stdout: "", stderr: "" };
  const state = { exited: false, stopped: false };
  const exitCode = await runArgv(argv, env, stdin, io, state);
  return { exitCode, ...io };
}

interface IO {
  stdout: string;
  stderr: string;
}

interface State {
  /** `exit` ran: the script ends. */
  exited: boolean;
  /** Start-up mode reached a sleep. */
  stopped: boolean;
}

async function runArgv(argv: string[], env: ShellEnv, stdin: string, io: IO, state: State): Promise<number> {
  if (argv.length === 0) return 0;
  if (SHELLS.has(argv[0]) && argv[1] === "-c" && argv.length >= 3) return runScript(argv[2], env, stdin, io, { exited: false, stopped: false }, state);
  const [cmd, ...args] = argv;
  const base = cmd.split("/").pop()!;
  const files = env.files;
  switch (base) {
    case "true":
    case ":":
      return 0;
    case "false":
      return 1;
    case "exit": {
      state.exited = true;
      const n = Number(args[0] ?? 0);
      return Number.isFinite(n) ? n & 255 : 2;
    }
    case "echo": {
      const noNewline = args[0] === "-n";
      io.stdout += (noNewline ? args.slice(1) : args).join(" ") + (noNewline ? "" : "\n");
      return 0;
    }
    case "cat": {
      if (args.length === 0) {
        io.stdout += stdin;
        return 0;
      }
      let code = 0;
      for (const f of args) {
        const content = files.get(f);
        if (content === undefined) {
          io.stderr += `cat: can't open '${f}': No such file or directory\n`;
          code = 1;
        } else io.stdout += content;
      }
      return code;
    }
    case "touch":
      for (const f of args) if (!files.has(f)) files.set(f, "");
      return 0;
    case "rm": {
      const force = args.some((a) => /^-[rRf]*f/.test(a));
      let code = 0;
      for (const f of args.filter((a) => !a.startsWith("-"))) {
        if (!files.delete(f) && !force) {
          io.stderr += `rm: can't remove '${f}': No such file or directory\n`;
          code = 1;
        }
      }
      return code;
    }
    case "hostname":
      io.stdout += `${env.hostname}\n`;
      return 0;
    case "test":
    case "[": {
      const a = base === "[" ? args.slice(0, -1) : args;
      if (a.length !== 2) return a.length === 1 && a[0] !== "" ? 0 : 1;
      const content = files.get(a[1]);
      if (a[0] === "-e" || a[0] === "-f") return content !== undefined ? 0 : 1;
      if (a[0] === "-s") return content ? 0 : 1;
      if (a[0] === "-d") return [...files.keys()].some((k) => k.startsWith(a[1].replace(/\/$/, "") + "/")) ? 0 : 1;
      return 0;
    }
    case "sleep": {
      if (env.stopAtSleep) {
        state.stopped = true;
        return 0;
      }
      const s = Number(args[0]);
      if (Number.isFinite(s) && s > 0) await env.sleep(s * 1000);
      return 0;
    }
    default:
      // mkdir and everything unknown: success, no output.
      return 0;
  }
}

/** A script: statements joined by ; && ||, each with optional > / >> redirection. */
async function runScript(script: string, env: ShellEnv, stdin: string, io: IO, state: State, outer: State): Promise<number> {
  const tokens = tokenize(script);
  let code = 0;
  let i = 0;
  let skip = false;
  while (i < tokens.length) {
    const words: string[] = [];
    let redirect: { path: string; append: boolean } | null = null;
    for (; i < tokens.length; i++) {
      const t = tokens[i];
      if ("word" in t) words.push(t.word);
      else if (t.op === ">" || t.op === ">>") {
        const next = tokens[++i];
        if (next && "word" in next) redirect = { path: next.word, append: t.op === ">>" };
      } else break;
    }
    if (!skip && words.length > 0) {
      const local: IO = { stdout: "", stderr: "" };
      code = await runArgv(words, env, stdin, local, state);
      io.stderr += local.stderr;
      if (redirect) env.files.set(redirect.path, (redirect.append ? (env.files.get(redirect.path) ?? "") : "") + local.stdout);
      else io.stdout += local.stdout;
    }
    if (state.exited || state.stopped) break;
    const op = tokens[i] as { op: string } | undefined;
    i++;
    // && runs the next statement only after success, || only after failure.
    skip = op?.op === "&&" ? code !== 0 : op?.op === "||" ? code === 0 : false;
  }
  if (state.stopped) outer.stopped = true;
  return code;
}

function tokenize(script: string): Token[] {
  const out: Token[] = [];
  let word: string | null = null;
  const flush = () => {
    if (word !== null) out.push({ word });
    word = null;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (ch === "'" || ch === '"') {
      const end = script.indexOf(ch, i + 1);
      const stop = end < 0 ? script.length : end;
      word = (word ?? "") + script.slice(i + 1, stop);
      i = stop;
    } else if (/\s/.test(ch)) flush();
    else if (ch === ";" || ch === "\n") {
      flush();
      out.push({ op: ";" });
    } else if ((ch === "&" || ch === "|") && script[i + 1] === ch) {
      flush();
      out.push({ op: ch === "&" ? "&&" : "||" });
      i++;
    } else if (ch === ">") {
      flush();
      const append = script[i + 1] === ">";
      out.push({ op: append ? ">>" : ">" });
      if (append) i++;
    } else word = (word ?? "") + ch;
  }
  flush();
  return out;
}


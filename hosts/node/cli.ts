#!/usr/bin/env node
/**
 * The `kubeling` command: `kubeling up` runs the control plane (API server and storage);
 * `selector` exposes the core for scripts.
 */
import { loadCore, SelectorError } from "../../core/index.js";
import { up, kubeconfigCommand } from "./up.js";
import { agent } from "./agent.js";

const USAGE = `usage:
  kubeling up [--data-dir DIR] [--port N] [--bind-address IP] [--etcd URL[,URL...]]
                                            run the control plane (default DIR ~/.kubeling, port 6443)
  kubeling agent --server https://HOST:PORT (--token T | --token-file F) [--name NODE] [--kubelet-port N]
                                            join this machine to a cluster as one more node
  kubeling kubeconfig --user NAME [--group G]... [--data-dir DIR] [--port N]
                                            print a kubeconfig for another user (RBAC decides what it may do)
  kubeling selector parse SELECTOR          print the canonical form (labels.Parse(...).String())
  kubeling selector match SELECTOR k=v...   exit 0 when the labels match, 1 when not
  kubeling version`;

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === "version") {
    console.log("kubeling 0.1.0");
    return 0;
  }
  if (command === "up") return up(argv.slice(1));
  if (command === "agent") return agent(argv.slice(1));
  if (command === "kubeconfig") return kubeconfigCommand(argv.slice(1));
  if (command !== "selector" || (sub !== "parse" && sub !== "match") || rest.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const core = await loadCore();
  const [selector, ...pairs] = rest;
  try {
    if (sub === "parse") {
      console.log(core.labels.parse(selector));
      return 0;
    }
    const labels: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if (eq < 0) {
        console.error(`kubeling: label ${JSON.stringify(pair)} is not key=value`);
        return 2;
      }
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const matched = core.labels.matches(selector, labels);
    console.log(matched ? "match" : "no match");
    return matched ? 0 : 1;
  } catch (err) {
    if (err instanceof SelectorError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));

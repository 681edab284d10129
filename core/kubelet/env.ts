// A container's environment and command line, as the kubelet's makeEnvironmentVariables and
// ExpandContainerCommandAndArgs compute them: envFrom sources first (prefix + key; keys that
// are not valid variable names are skipped with an event), then env in order — a value
// with its $(VAR) references expanded against the variables defined before it, or
// valueFrom (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef; an optional
// reference to a missing object or key leaves the variable out). A required ConfigMap,
// Secret or key that is missing is a ConfigError: the container waits with
// CreateContainerConfigError and the pod worker tries again.
// Left out: the Service environment variables (enableServiceLinks).
import { ConfigError, optionally, type ConfigSources, type KeyData } from "./config-sources.js";
import { containerResourceValue, podFieldValue, type DownwardContext } from "./downward-api.js";
import { expand, mappingFuncFor } from "./expansion.js";
import type { ContainerSpec, Pod } from "./types.js";

const decoder = new TextDecoder();
/** validation.IsEnvVarName. */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface EnvResult {
  env: Map<string, string>;
  /** Events to record (InvalidEnvironmentVariableNames). */
  warnings: { reason: string; message: string }[];
}

export async function makeEnvironmentVariables(pod: Pod, container: ContainerSpec, sources: ConfigSources, ctx: DownwardContext): Promise<EnvResult> {
  const ns = pod.metadata.namespace;
  const env = new Map<string, string>();
  const warnings: EnvResult["warnings"] = [];
  const configMaps = new Map<string, KeyData>();
  const secrets = new Map<string, KeyData>();
  const configMap = async (name: string) => {
    let cm = configMaps.get(name);
    if (!cm) configMaps.set(name, (cm = await sources.configMap(ns, name)));
    return cm;
  };
  const secret = async (name: string) => {
    let s = secrets.get(name);
    if (!s) secrets.set(name, (s = await sources.secret(ns, name)));
    return s;
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? "configMap" : "secret";
    const name = ref.name ?? "";
    const data = await optionally(ref.optional, () => (kind === "configMap" ? configMap(name) : secret(name)));
    if (!data) continue;
    const invalid: string[] = [];
    for (const [key, value] of data) {
      const k = (from.prefix ?? "") + key;
      if (!ENV_VAR_NAME.test(k)) {
        invalid.push(k);
        continue;
      }
      env.set(k, decoder.decode(value));
    }
    if (invalid.length > 0) {
      invalid.sort();
      warnings.push({
        reason: "InvalidEnvironmentVariableNames",
        message: `Keys [${invalid.join(", ")}] from the EnvFrom ${kind} ${ns}/${name} were skipped since they are considered invalid environment variable names.`,
      });
    }
  }

  for (const v of container.env ?? []) {
    let value = v.value ?? "";
    if (value !== "") {
      value = expand(value, mappingFuncFor(env));
    } else if (v.valueFrom) {
      const f = v.valueFrom;
      if (f.fieldRef) value = podFieldValue(f.fieldRef, pod, ctx);
      else if (f.resourceFieldRef) value = containerResourceValue(f.resourceFieldRef, container, ctx);
      else if (f.configMapKeyRef || f.secretKeyRef) {
        const ref = (f.configMapKeyRef ?? f.secretKeyRef)!;
        const isCM = !!f.configMapKeyRef;
        const name = ref.name ?? "";
        const data = await optionally(ref.optional, () => (isCM ? configMap(name) : secret(name)));
        if (!data) continue;
        const bytes = data.get(ref.key);
        if (!bytes) {
          if (ref.optional) continue;
          throw new ConfigError(`couldn't find key ${ref.key} in ${isCM ? "ConfigMap" : "Secret"} ${ns}/${name}`);
        }
        value = decoder.decode(bytes);
      }
    }
    env.set(v.name, value);
  }
  return { env, warnings };
}

/** ExpandContainerCommandAndArgs: $(VAR) in command and args against the container's final environment. */
export function expandCommandAndArgs(container: ContainerSpec, env: Map<string, string>): { command?: string[]; args?: string[] } {
  const mapping = mappingFuncFor(env);
  return {
    ...(container.command ? { command: container.command.map((c) => expand(c, mapping)) } : {}),
    ...(container.args ? { args: container.args.map((a) => expand(a, mapping)) } : {}),
  };
}

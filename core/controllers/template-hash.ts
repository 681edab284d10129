// pod-template-hash: the Deployment controller names each ReplicaSet "<deployment>-<hash>"
// and labels its pods with the hash. Kubernetes hashes the template (plus collisionCount)
// with FNV-32a and spells the decimal number in a vowel-free alphabet
// (rand.SafeEncodeString); this does the same over a canonical JSON of the template.

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const hash = fnv32a(canonical(template) + (collisionCount ? String(collisionCount) : ""));
  let out = "";
  for (const ch of String(hash)) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** The template without the pod-template-hash label (EqualIgnoreHash compares these). */
export function withoutHash(template: Record<string, unknown> | undefined): Record<string, unknown> {
  const t = structuredClone(template ?? {}) as { metadata?: { labels?: Record<string, string> } };
  if (t.metadata?.labels) {
    delete t.metadata.labels["pod-template-hash"];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t as Record<string, unknown>;
}

export function sameTemplateIgnoringHash(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  return canonical(withoutHash(a)) === canonical(withoutHash(b));
}

// Pod template hashes, as kube-controller-manager's controller.ComputeHash makes them: FNV-1a
// (32 bit) over the template, then the optional collisionCount, printed in decimal and
// "safe encoded" (every character mapped onto an alphabet without vowels, so a hash never
// spells a word). DaemonSets label their pods `controller-revision-hash: <hash>`;
// StatefulSets name a revision `<set>-<hash>` and label their pods with that name.
//
// Kubernetes keeps each revision in a ControllerRevision object. Our API has no
// controllerrevisions resource yet, so a revision here is derived from the template alone:
// the same template always hashes to the same name, which is also what makes a rollback to an
// earlier template reuse that template's revision name.

/** The label with a pod's revision (apps/v1 ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";

// rand.SafeEncodeString's alphabet: consonants and digits that cannot form bad words.
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

const encoder = new TextEncoder();

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

function fnv1a32(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash;
}

/** rand.SafeEncodeString: each character of `s` replaced by SAFE_ALPHABET[code % 27]. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * controller.ComputeHash(template, collisionCount): a short, stable hash of a pod template.
 * A collisionCount (when given, as a StatefulSet always does) is mixed in as 8 little-endian
 * bytes, so bumping it yields a new name when two templates collide.
 */
export function computeHash(template: unknown, collisionCount?: number | null): string {
  let hash = fnv1a32(encoder.encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a32(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

/** A revision's name: `<owner>-<hash>`, the owner's name cut to 223 characters (ControllerRevisionName). */
export function revisionName(ownerName: string, hash: string): string {
  return `${ownerName.length > 223 ? ownerName.slice(0, 223) : ownerName}-${hash}`;
}

// Object-name validation as apimachinery's validation package words it (the messages kubectl
// shows in "is invalid: metadata.name: Invalid value: …").
import type { StatusCause } from "./status.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** IsDNS1123Subdomain: the name rule of most resources. */
export function dns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errors.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errors;
}

/** IsDNS1123Label: namespaces, services. */
export function dns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push("must be no more than 63 characters");
  if (!DNS1123_LABEL.test(value)) {
    errors.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errors;
}

/** Resources whose names must be DNS labels rather than subdomains. */
const LABEL_NAMED = new Set(["namespaces", "services"]);

/** ValidateObjectMeta's name checks: the causes for a bad or missing name. */
export function validateName(plural: string, name: string | undefined): StatusCause[] {
  if (!name) return [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }];
  const problems = LABEL_NAMED.has(plural) ? dns1123Label(name) : dns1123Subdomain(name);
  return problems.map((p) => ({ reason: "FieldValueInvalid", message: `Invalid value: "${name}": ${p}`, field: "metadata.name" }));
}

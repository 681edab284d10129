// Kubernetes' field.ErrorList, reduced to what the label code reports: messages are
// "<path>: <type>: <value>: <detail>", duplicates dropped, and an aggregate of several
// prints as "[first, second]" (utilerrors.Aggregate).

export class FieldErrors {
  messages: Array<string> = new Array<string>();

  get length(): i32 {
    return this.messages.length;
  }

  clear(): void {
    this.messages.length = 0;
  }

  add(message: string): void {
    if (!this.messages.includes(message)) this.messages.push(message);
  }

  invalid(path: string, quotedValue: string, detail: string): void {
    this.add(path + ": Invalid value: " + quotedValue + (detail.length > 0 ? ": " + detail : ""));
  }

  aggregate(): string {
    const n = this.messages.length;
    if (n == 0) return "";
    if (n == 1) return this.messages[0];
    return "[" + this.messages.join(", ") + "]";
  }
}

/** field.Path.Child: a nil path prints as "<nil>" in Go, an empty prefix means "no parent". */
export function childPath(parent: string, name: string): string {
  return parent.length == 0 ? name : parent + "." + name;
}

export function indexPath(parent: string, index: i32): string {
  return parent + "[" + index.toString() + "]";
}

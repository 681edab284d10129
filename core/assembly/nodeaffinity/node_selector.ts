// v1.NodeSelector and a pod's required node placement, with the scheduler's lazy-error
// semantics (component-helpers nodeaffinity.LazyErrorNodeSelector): terms are ORed; inside
// a term matchExpressions (label requirements, incl. Gt/Lt) and matchFields are ANDed; a
// term that does not parse never matches, while the other terms are still evaluated; an
// empty term, or an empty term list, matches no node.

import { Selector, SelectorBuilder } from "../labels/selector";
import { Op, newRequirement } from "../labels/requirement";
import { stringOf, isKnownId } from "../strings/intern";
import { FieldErrors } from "../util/field_errors";

/** v1.NodeSelectorOperator as the host encodes it. */
export const NS_IN = 0, NS_NOT_IN = 1, NS_EXISTS = 2, NS_DOES_NOT_EXIST = 3, NS_GT = 4, NS_LT = 5;

/** One matchFields entry: `key` In/NotIn a single value, compared as a field selector. */
export class FieldRequirement {
  /** Nodes have one field, metadata.name; a field selector reads any other as "". */
  readsNodeName: bool;
  constructor(
    key: i32,
    public notIn: bool,
    public value: i32,
  ) {
    this.readsNodeName = stringOf(key) == "metadata.name";
  }
}

export class NodeSelectorTerm {
  /** matchExpressions, collected while the term is built. */
  expressions: SelectorBuilder = new SelectorBuilder();
  fields: Array<FieldRequirement> = new Array<FieldRequirement>();
  hasExpressions: bool = false;
  hasFields: bool = false;
  invalid: bool = false;
  /** Built from `expressions` when the term is sealed. */
  labels: Selector | null = null;

  /** A matchExpressions entry (value ids); an invalid one makes the whole term invalid. */
  addExpression(key: i32, operator: i32, values: StaticArray<i32>): void {
    this.hasExpressions = true;
    let op: Op;
    switch (operator) {
      case NS_IN: op = Op.In; break;
      case NS_NOT_IN: op = Op.NotIn; break;
      case NS_EXISTS: op = Op.Exists; break;
      case NS_DOES_NOT_EXIST: op = Op.DoesNotExist; break;
      case NS_GT: op = Op.GreaterThan; break;
      case NS_LT: op = Op.LessThan; break;
      default:
        this.invalid = true;
        return;
    }
    if (!newRequirement(isKnownId(key) ? key : 0, op, values, "", new FieldErrors(), this.expressions)) this.invalid = true;
  }

  /** A matchFields entry: In/NotIn with exactly one value. */
  addField(key: i32, operator: i32, values: StaticArray<i32>): void {
    this.hasFields = true;
    if ((operator != NS_IN && operator != NS_NOT_IN) || values.length != 1) {
      this.invalid = true;
      return;
    }
    this.fields.push(new FieldRequirement(key, operator == NS_NOT_IN, values[0]));
  }

  seal(): void {
    if (this.hasExpressions && !this.invalid) this.labels = this.expressions.build();
  }

  matches(nodeName: i32, pairs: usize, count: i32): bool {
    if (!this.hasExpressions && !this.hasFields) return false;
    if (this.invalid) return false;
    const labels = this.labels;
    if (labels !== null && !labels.matches(pairs, count)) return false;
    // Node fields are {metadata.name: name}, and only exist when the name is set.
    if (this.hasFields && nodeName != 0) {
      const fields = this.fields;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        const actual = f.readsNodeName ? nodeName : 0;
        if ((actual == f.value) == f.notIn) return false;
      }
    }
    return true;
  }
}

/**
 * What a pod requires of a node: spec.nodeSelector (exact label matches) AND
 * spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution. Also used
 * for a bare NodeSelector (no nodeSelector map, `required` present).
 */
export class NodeAffinity {
  nodeSelectorLabels: Selector | null = null;
  /** null when the pod has no required node affinity (every node passes it). */
  required: Array<NodeSelectorTerm> | null = null;

  matches(nodeName: i32, pairs: usize, count: i32): bool {
    const labels = this.nodeSelectorLabels;
    if (labels !== null && !labels.matches(pairs, count)) return false;
    const terms = this.required;
    if (terms === null) return true;
    for (let i = 0; i < terms.length; i++) {
      if (terms[i].matches(nodeName, pairs, count)) return true;
    }
    return false;
  }
}

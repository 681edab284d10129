// apps/v1 shapes, as far as the core reads them so far (the scheduler's default spreading
// uses a ReplicaSet's or StatefulSet's selector).
import type { ObjectMeta, TypeMeta, LabelSelector } from "./meta.js";

export interface V1ReplicaSet extends TypeMeta {
  metadata?: ObjectMeta;
  spec?: { selector?: LabelSelector | null; replicas?: number };
}

export interface V1StatefulSet extends TypeMeta {
  metadata?: ObjectMeta;
  spec?: { selector?: LabelSelector | null; replicas?: number; serviceName?: string };
}

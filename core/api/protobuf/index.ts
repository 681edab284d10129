// Kubernetes protobuf (application/vnd.kubernetes.protobuf) request bodies to JSON.
export {
  decodeKubernetesProtobuf,
  decodeMessage,
  readKubernetesProtobufEnvelope,
  isKubernetesProtobuf,
  formatGoDuration,
  ProtobufDecodeError,
  KUBERNETES_PROTOBUF_CONTENT_TYPE,
  KUBERNETES_PROTOBUF_MAGIC,
  type KubernetesProtobufEnvelope,
} from "./decode.js";
export { KINDS, MESSAGES, SPECIAL_MESSAGES, fieldsOf, messageForKind } from "./schema.js";
export type { FieldRow, FieldSpec, FieldType, ScalarType } from "./schema.js";
export { WireReader, base64Encode, utf8Decode } from "./wire.js";

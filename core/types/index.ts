export type * from "./meta.js";
export type * from "./core-v1.js";
export type * from "./apps-v1.js";

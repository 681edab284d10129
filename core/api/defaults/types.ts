import type { KubeObject } from "../object-store.js";

/** Fills in what kube-apiserver's defaulting (SetDefaults_*) fills in, in place. */
export type Defaulter = (obj: KubeObject) => void;

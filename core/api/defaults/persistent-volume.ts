// Defaults of PersistentVolume and PersistentVolumeClaim (SetDefaults_* in Kubernetes' API types).
import type { Defaulter } from "./types.js";

export const persistentVolumeDefaulters: Record<string, Defaulter> = {};

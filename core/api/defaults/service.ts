// Defaults of Service (SetDefaults_Service in Kubernetes' API types).
import type { Defaulter } from "./types.js";

export const serviceDefaulters: Record<string, Defaulter> = {};

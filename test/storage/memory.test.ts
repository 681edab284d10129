import { MemoryStorage } from "../../dist/hosts/browser/memory-storage.js";
import { storageContract } from "./contract.js";

storageContract("in-memory (browser host)", () => new MemoryStorage());

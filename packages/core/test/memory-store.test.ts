import { memoryStore } from '@auditkit/core';
import { runStoreConformance } from '@auditkit/core/testing';

runStoreConformance({ makeStore: () => memoryStore() });

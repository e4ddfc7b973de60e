import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildDashboard } from '../demo/server/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The dashboard as Vite built it for this run. */
    dashboardDir: string;
  }
}

/** Builds the dashboard once per run, into a directory of its own (not demo/dist). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'tablecast-e2e-dashboard-'));
  await buildDashboard(dir);
  project.provide('dashboardDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}

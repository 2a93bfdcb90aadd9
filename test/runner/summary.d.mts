export interface VitestJsonReport {
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { status: string; fullName: string; failureMessages?: string[] }[];
  }[];
}
export interface Count {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}
export declare const vitestArgs: (suite: string, reportFile: string) => string[];
export declare const countReport: (suite: string, json: VitestJsonReport | null, root?: string) => Count;
export declare const summarize: (
  steps: { label: string; ok: boolean }[],
  reports: { suite: string; json: VitestJsonReport | null; ok?: boolean }[],
  root?: string,
) => Count & { line: string };

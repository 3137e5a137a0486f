/**
 * What a text detector (text-detector.ts) takes beyond what it holds once opened: its first films allocate the
 * runtime's working buffers (about 85 MB at 640²), and it compiles the input shape of each new film aspect on
 * first use, keeping `DETECTOR_SHAPES_KEPT` of them, each with its own buffers (about 60–65 MB at 640²).
 * Measured on OpenVINO, RSS after each of five aspects: docs/viewing.md. The agent keeps that much of its memory
 * budget aside from the start (agent/pipeline/memory-admission.ts).
 */
export const DETECTOR_SHAPES_KEPT = 4;

const FIRST_FILMS_BYTES_AT_640 = 85 * 1024 ** 2;
const SHAPE_BYTES_AT_640 = 65 * 1024 ** 2;

/** Bytes one detector, opened with its square shape compiled, may still take as films of other aspects come. */
export function detectorGrowthBytes(side: number): number {
  return (FIRST_FILMS_BYTES_AT_640 + (DETECTOR_SHAPES_KEPT - 1) * SHAPE_BYTES_AT_640) * (side / 640) ** 2;
}

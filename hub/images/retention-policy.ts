/**
 * Which stored diagnostic images retention deletes (pure). In: stored images oldest first, the total stored
 * bytes, the policy and the time. Out: the sha256s to delete, oldest first: every image older than
 * `retentionDays` (0 = no age limit), then more of the oldest until the total is at most `maxTotalBytes`
 * (0 = no size limit).
 */
export interface RetentionPolicy {
  retentionDays: number;
  maxTotalBytes: number;
}

export interface StoredImage {
  sha256: string;
  sizeBytes: number;
  storedMs: number;
}

export function imagesToDelete(
  oldestFirst: readonly StoredImage[],
  totalBytes: number,
  policy: RetentionPolicy,
  nowMs: number,
): string[] {
  const cutoffMs = policy.retentionDays > 0 ? nowMs - policy.retentionDays * 86_400_000 : Number.NEGATIVE_INFINITY;
  const out: string[] = [];
  let total = totalBytes;
  for (const image of oldestFirst) {
    const tooOld = image.storedMs < cutoffMs;
    const overSize = policy.maxTotalBytes > 0 && total > policy.maxTotalBytes;
    if (!tooOld && !overSize) break;
    out.push(image.sha256);
    total -= image.sizeBytes;
  }
  return out;
}

/**
 * refreshDelay: milliseconds until the rotating code should be fetched again,
 * computed on the server's clock (expires_at − server_time), never below 1 s
 * nor above 60 s.
 */
export function refreshDelay(expiresAt: string, serverTime: string): number {
  const ms = new Date(expiresAt).getTime() - new Date(serverTime).getTime()
  if (!Number.isFinite(ms)) return 5000
  return Math.min(60_000, Math.max(1000, ms + 200))
}

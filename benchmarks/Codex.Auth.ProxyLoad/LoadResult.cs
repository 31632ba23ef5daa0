namespace Codex.Auth.ProxyLoad;

/// <summary>What one load run measured.</summary>
internal sealed record LoadResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Errors);

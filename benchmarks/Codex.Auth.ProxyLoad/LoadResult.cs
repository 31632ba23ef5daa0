namespace Codex.Auth.ProxyLoad;

/// <summary>What one load run measured; <see cref="CpuMicrosPerRequest"/> is the measured process tree's CPU time (user + system) per request, or -1.</summary>
internal sealed record LoadResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Errors)
{
    public double CpuMicrosPerRequest { get; init; } = -1;
}

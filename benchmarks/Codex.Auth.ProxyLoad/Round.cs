using System.Globalization;
using System.Text;

namespace Codex.Auth.ProxyLoad;

/// <summary>One round's measurements: direct, nginx, and each codex-auth build.</summary>
internal sealed class Round(int number)
{
    public LoadResult? Direct { get; set; }

    /// <summary>Every nginx (injecting) measurement of the round: one next to each codex-auth build.</summary>
    public List<LoadResult> Nginx { get; } = [];

    public long NginxRss { get; set; }

    public Dictionary<string, ProxyRun> Proxies { get; } = [];

    public string Describe()
    {
        static string L(LoadResult? r) => r is null ? "—" : string.Create(CultureInfo.InvariantCulture, $"{r.RequestsPerSecond:N0} req/s p50 {r.P50Ms:0.00} p99 {r.P99Ms:0.00} ms{(r.CpuMicrosPerRequest >= 0 ? $" CPU {r.CpuMicrosPerRequest:0.0} µs/request" : string.Empty)}");
        var s = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"round {number}: direct {L(Direct)}"));
        foreach ((string label, ProxyRun p) in Proxies)
        {
            if (p.PairedNginx is { } paired)
            {
                s.Append(CultureInfo.InvariantCulture, $" | nginx next to {label} {L(paired)}");
            }

            s.Append(CultureInfo.InvariantCulture,
                $" | {label} {L(p.Load)}, ready {p.Ready.TotalMilliseconds:0} ms, RSS idle {p.IdleRss / 1048576.0:0.0} MiB (PSS {p.IdlePss / 1048576.0:0.0}), after load {p.Rss / 1048576.0:0.0} MiB (PSS {p.Pss / 1048576.0:0.0}), {p.LogLinesPerRequest:0.00} stderr lines/request");
        }

        s.Append(CultureInfo.InvariantCulture, $" | load avg {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        return s.ToString();
    }
}

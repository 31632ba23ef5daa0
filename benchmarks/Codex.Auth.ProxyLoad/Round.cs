using System.Globalization;
using System.Text;

namespace Codex.Auth.ProxyLoad;

/// <summary>One round's measurements: direct, nginx, and each codex-auth build.</summary>
internal sealed class Round(int number)
{
    public LoadResult? Direct { get; set; }

    public LoadResult? Nginx { get; set; }

    public long NginxRss { get; set; }

    public Dictionary<string, ProxyRun> Proxies { get; } = [];

    public string Describe()
    {
        static string L(LoadResult? r) => r is null ? "—" : string.Create(CultureInfo.InvariantCulture, $"{r.RequestsPerSecond:N0} req/s p50 {r.P50Ms:0.00} p99 {r.P99Ms:0.00} ms");
        var s = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"round {number}: direct {L(Direct)} | nginx {L(Nginx)}"));
        foreach ((string label, ProxyRun p) in Proxies)
        {
            s.Append(CultureInfo.InvariantCulture,
                $" | {label} {L(p.Load)}, ready {p.Ready.TotalMilliseconds:0} ms, RSS idle {p.IdleRss / 1048576.0:0.0} MiB (PSS {p.IdlePss / 1048576.0:0.0}), after load {p.Rss / 1048576.0:0.0} MiB (PSS {p.Pss / 1048576.0:0.0}), {p.LogLinesPerRequest:0.00} stderr lines/request");
        }

        s.Append(CultureInfo.InvariantCulture, $" | load avg {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        return s.ToString();
    }
}

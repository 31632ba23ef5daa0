using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// Reads the run's summaries and checks the issue-7 targets: one line per target with the measured ratio and
/// PASS or MISS. A target whose benchmarks did not run (filtered out) is reported as n/a. Only a broken
/// invariant (the concurrency case's token-request count, a benchmark that failed) makes the run fail;
/// a MISS is a measurement to investigate, not an error.
/// </summary>
internal sealed class TargetReport
{
    private readonly List<string[]> _rows = [];
    private bool _judgedPaired;

    private TargetReport()
    {
    }

    public bool Failed { get; private set; }

    public string Text { get; private set; } = string.Empty;

    public string Markdown { get; private set; } = string.Empty;

    /// <param name="judgedPaired">
    /// The ratio targets are judged by the paired run (<see cref="PairedSuite"/>); here they are then information only, since each
    /// BenchmarkDotNet case runs in its own process at another moment.
    /// </param>
    public static TargetReport Evaluate(IEnumerable<Summary> summaries, IReadOnlyList<int>? tokenRequests, IReadOnlyList<int>? rotationPosts = null, bool judgedPaired = false)
    {
        var results = new Dictionary<string, Measured>(StringComparer.Ordinal);
        var report = new TargetReport { _judgedPaired = judgedPaired };
        foreach (BenchmarkReport r in summaries.SelectMany(s => s.Reports))
        {
            string name = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (r.ResultStatistics is not { } stats)
            {
                report.Failed = true;
                report._rows.Add(["benchmark " + name, "—", "FAILED", "no result (see the log above)"]);
                continue;
            }

            results[name] = new Measured(stats.Median, stats.Min, stats.StandardDeviation, r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0);
        }

        report.Within("API key ≤ 1.15× floor that also checks the destination", results, nameof(HandlerBenchmarks.ApiKey), nameof(HandlerBenchmarks.FloorAuthorizationChecked), 1.15);
        report.Info("API key vs floor that only sets the header", results, nameof(HandlerBenchmarks.ApiKey), nameof(HandlerBenchmarks.FloorAuthorization));
        report.Within("ChatGPT cached ≤ 1.15× floor (three headers)", results, nameof(HandlerBenchmarks.ChatGptCached), nameof(HandlerBenchmarks.FloorThreeHeaders), 1.15);
        report.Within("ChatGPT, refresh in flight ≤ 1.15× floor (three headers)", results, nameof(HandlerBenchmarks.ChatGptRefreshInFlight), nameof(HandlerBenchmarks.FloorThreeHeaders), 1.15);
        report.Ahead("API key ahead of Kiota (same job: one bearer header)", results, nameof(HandlerBenchmarks.ApiKey), nameof(HandlerBenchmarks.Kiota));
        report.Ahead("API key ahead of Identity.Web (same job)", results, nameof(HandlerBenchmarks.ApiKey), nameof(HandlerBenchmarks.IdentityWeb));
        report.Info("ChatGPT cached (3 headers) vs Kiota (1 header)", results, nameof(HandlerBenchmarks.ChatGptCached), nameof(HandlerBenchmarks.Kiota));
        report.Info("ChatGPT cached (3 headers) vs Identity.Web (1 header)", results, nameof(HandlerBenchmarks.ChatGptCached), nameof(HandlerBenchmarks.IdentityWeb));
        report.Within("Agent, same second (FakeTimeProvider) ≤ 1.2× floor", results, nameof(HandlerBenchmarks.AgentSameSecond), nameof(HandlerBenchmarks.FloorAgent), 1.2);
        report.Within("Agent, same second (system clock) ≤ 1.2× floor", results, nameof(HandlerBenchmarks.AgentSameSecondSystemClock), nameof(HandlerBenchmarks.FloorAgent), 1.2);
        report.Within("Agent, new second ≤ 1.2× Ed25519 sign", results, nameof(SigningBenchmarks.AgentNewSecond), nameof(SigningBenchmarks.Ed25519Sign), 1.2, checkBytes: false);
        report.TokenRequests(results, tokenRequests);
        report.Within("ChatGPT cached: Redis store ≤ 1.05× file store (the hot path never touches Redis)", results, nameof(RedisStoreBenchmarks.RedisStoreCached), nameof(RedisStoreBenchmarks.FileStoreCached), 1.05);
        report.RotationPosts(results, rotationPosts);
        report.Render();
        return report;
    }

    private void Within(string target, Dictionary<string, Measured> results, string subject, string floor, double limit, bool checkBytes = true)
    {
        if (!TryGet(target, results, subject, floor, out Measured s, out Measured f))
        {
            return;
        }

        double ratio = s.Median / f.Median;
        double minRatio = s.Min / f.Min;
        bool bytesOk = !checkBytes || s.Bytes <= f.Bytes;
        string detail = string.Create(CultureInfo.InvariantCulture, $"{Ns(s)} vs {Ns(f)}; fastest iterations {Ratio(minRatio)}; {s.Bytes} B vs {f.Bytes} B{(checkBytes ? (bytesOk ? " (≤ floor)" : " (MORE than floor)") : string.Empty)}");
        _rows.Add([target, Ratio(ratio), _judgedPaired ? "info" : Verdict(ratio <= limit && bytesOk, minRatio <= limit && bytesOk), detail]);
    }

    private void Ahead(string target, Dictionary<string, Measured> results, string subject, string peer)
    {
        if (!TryGet(target, results, subject, peer, out Measured s, out Measured p))
        {
            return;
        }

        double ratio = s.Median / p.Median;
        double minRatio = s.Min / p.Min;
        string detail = string.Create(CultureInfo.InvariantCulture, $"{Ns(s)} vs {Ns(p)}; fastest iterations {Ratio(minRatio)}; {s.Bytes} B vs {p.Bytes} B; peer is {p.Median / s.Median:0.0}× slower");
        _rows.Add([target, Ratio(ratio), Verdict(ratio < 1, minRatio < 1), detail]);
    }

    private void Info(string target, Dictionary<string, Measured> results, string subject, string floor)
    {
        if (TryGet(target, results, subject, floor, out Measured s, out Measured f))
        {
            _rows.Add([target, Ratio(s.Median / f.Median), "info", string.Create(CultureInfo.InvariantCulture, $"{Ns(s)} vs {Ns(f)}; {s.Bytes} B vs {f.Bytes} B")]);
        }
    }

    private void TokenRequests(Dictionary<string, Measured> results, IReadOnlyList<int>? counts)
    {
        const string target = "1,000 concurrent first requests → exactly 1 token request";
        if (!results.TryGetValue(nameof(ConcurrencyBenchmarks.ThousandConcurrentFirstRequests), out Measured m))
        {
            _rows.Add([target, "—", "n/a", "not run"]);
            return;
        }

        if (counts is null || counts.Count == 0)
        {
            Failed = true;
            _rows.Add([target, "—", "FAILED", "the benchmark process reported no token-request counts"]);
            return;
        }

        bool ok = counts.All(c => c == 1);
        Failed |= !ok;
        _rows.Add([
            target,
            string.Create(CultureInfo.InvariantCulture, $"{counts.Min()}..{counts.Max()}"),
            ok ? "PASS" : "FAILED",
            string.Create(CultureInfo.InvariantCulture, $"{counts.Count} operations; all complete in {m.Median / 1e6:0.00} ms (median) ± {m.StdDev / 1e6:0.00} ms, {m.Bytes / 1024.0:0} KB allocated"),
        ]);
    }

    private void RotationPosts(Dictionary<string, Measured> results, IReadOnlyList<int>? counts)
    {
        string target = string.Create(CultureInfo.InvariantCulture, $"{RedisRotationBenchmarks.Instances} instances on one Redis store × {RedisRotationBenchmarks.Rotations} rotations → exactly {RedisRotationBenchmarks.Rotations} refresh POSTs");
        if (!results.TryGetValue(nameof(RedisRotationBenchmarks.RotationsAcrossInstances), out Measured m))
        {
            _rows.Add([target, "—", "n/a", BenchmarkRedis.IsAvailable ? "not run" : "not run: redis-server is not on PATH"]);
            return;
        }

        if (counts is null || counts.Count == 0)
        {
            Failed = true;
            _rows.Add([target, "—", "FAILED", "the benchmark process reported no refresh-POST counts"]);
            return;
        }

        bool ok = counts.All(c => c == RedisRotationBenchmarks.Rotations);
        Failed |= !ok;
        _rows.Add([
            target,
            string.Create(CultureInfo.InvariantCulture, $"{counts.Min()}..{counts.Max()}"),
            ok ? "PASS" : "FAILED",
            string.Create(CultureInfo.InvariantCulture, $"{counts.Count} operations; {m.Median / 1e6 / RedisRotationBenchmarks.Rotations:0.00} ms per rotation (median), {m.Bytes / 1024.0 / RedisRotationBenchmarks.Rotations:0} KB allocated per rotation"),
        ]);
    }

    private bool TryGet(string target, Dictionary<string, Measured> results, string subject, string baseline, out Measured s, out Measured b)
    {
        bool found = results.TryGetValue(subject, out s);
        found &= results.TryGetValue(baseline, out b);
        if (!found)
        {
            _rows.Add([target, "—", "n/a", "not run"]);
        }

        return found;
    }

    private void Render()
    {
        var text = new StringBuilder("Targets (ratio = Codex.Auth median / reference median; ± = standard deviation; PASS* = only the fastest iterations pass):").AppendLine();
        int width = _rows.Max(r => r[0].Length);
        foreach (string[] row in _rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {row[2],-6} {row[0].PadRight(width)}  {row[1],8}  {row[3]}").AppendLine();
        }

        var md = new StringBuilder("| Target | Ratio | Result | Measured |").AppendLine().AppendLine("|---|---:|---|---|");
        foreach (string[] row in _rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {row[0]} | {row[1]} | {row[2]} | {row[3]} |").AppendLine();
        }

        Text = text.ToString();
        Markdown = md.ToString();
    }

    /// <summary>PASS on the medians; PASS* when only the fastest iterations (least disturbed by other load) pass.</summary>
    private static string Verdict(bool median, bool fastest) => median ? "PASS" : fastest ? "PASS*" : "MISS";

    private static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    private static string Ns(Measured m) =>
        m.Median >= 10_000
            ? string.Create(CultureInfo.InvariantCulture, $"{m.Median / 1000:0.00} µs ± {100 * m.StdDev / m.Median:0}%")
            : string.Create(CultureInfo.InvariantCulture, $"{m.Median:0.0} ns ± {100 * m.StdDev / m.Median:0}%");

    private readonly record struct Measured(double Median, double Min, double StdDev, long Bytes);
}

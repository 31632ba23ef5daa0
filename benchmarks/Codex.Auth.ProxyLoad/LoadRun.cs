using System.Globalization;
using System.Text;
using Codex.Auth.Testing;

namespace Codex.Auth.ProxyLoad;

/// <summary>
/// One benchmark run: start the upstream (and nginx's injecting proxy), then for each round measure direct, nginx and
/// codex-auth one after another (the order rotates each round), codex-auth freshly started each round and measured next to
/// its own nginx measurement; print a table
/// per round and a summary with ranges, medians and the issue-15 goals.
/// </summary>
internal static class LoadRun
{
    private const string Path = "/backend-api/codex/models";
    private const double MiB = 1024 * 1024;

    public static async Task<int> RunAsync(LoadOptions o)
    {
        bool useWrk = o.Generator == "wrk" || (o.Generator == "auto" && WrkLoad.IsInstalled);
        bool nginx = Nginx.IsInstalled;
        bool nginxUpstream = o.Upstream == "nginx" || (o.Upstream == "auto" && nginx);
        if ((useWrk && !WrkLoad.IsInstalled) || (nginxUpstream && !nginx))
        {
            Console.Error.WriteLine("proxy-load: wrk or nginx was asked for but is not installed (apt-get install -y wrk nginx).");
            return 2;
        }

        await using FakeCodexServer fake = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { AccessTokenLifetime = TimeSpan.FromDays(1) });
        FakeSignIn host = fake.SignIn("acct_load", plan: "pro");
        DirectoryInfo home = Directory.CreateTempSubdirectory("codex-auth-load-home-");
        try
        {
            await File.WriteAllTextAsync(System.IO.Path.Combine(home.FullName, "auth.json"), host.ToAuthJson());
            using Nginx? nginxUp = nginxUpstream ? await Nginx.StartUpstreamAsync(1) : null;
            using ChildUpstream? kestrelUp = nginxUpstream ? null : await ChildUpstream.StartAsync();
            int upstreamPort = nginxUp?.Port ?? kestrelUp!.Port;
            using Nginx? nginxProxy = nginx && o.NginxProxy ? await Nginx.StartInjectingProxyAsync(Environment.ProcessorCount, upstreamPort, host.AccessToken, host.AccountId) : null;

            var agentHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer agent-placeholder-token", ["ChatGPT-Account-ID"] = "acct_agent" };
            string[] proxyArgs =
            [
                "proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials",
                "--chatgpt-upstream", $"http://127.0.0.1:{upstreamPort}/backend-api",
                "--openai-upstream", $"http://127.0.0.1:{upstreamPort}/v1",
                "--auth-upstream", fake.BaseAddress.AbsoluteUri,
                .. o.ProxyArgs,
            ];

            var header = new StringBuilder();
            header.AppendLine(CultureInfo.InvariantCulture, $"# proxy load{(o.Label is null ? string.Empty : " — " + o.Label)}");
            header.AppendLine(CultureInfo.InvariantCulture, $"generator {(useWrk ? "wrk" : ".NET (wrk not installed)")}, {o.Connections} keep-alive connections, {o.Threads} threads, {o.Duration.TotalSeconds:0} s per target after a {o.Warmup.TotalSeconds:0} s warm-up, {o.Rounds} rounds; upstream {(nginxUpstream ? "nginx (1 worker)" : "Kestrel")}; {Environment.ProcessorCount} cores; GET {Path}");
            foreach ((string label, string cli) in o.Clis)
            {
                header.AppendLine(CultureInfo.InvariantCulture, $"{label}: {cli} {string.Join(' ', proxyArgs.Skip(1).Where(a => !a.StartsWith("http", StringComparison.Ordinal)))}{(o.Environment.Count == 0 ? string.Empty : " with " + string.Join(' ', o.Environment.Select(e => e.Key + "=" + e.Value)))}");
            }

            header.AppendLine(CultureInfo.InvariantCulture, $"load average at start: {LoadAverage()}");
            Console.Write(header);
            var report = new StringBuilder(header.ToString());

            var rounds = new List<Round>();
            for (int round = 1; round <= o.Rounds; round++)
            {
                var targets = new List<string> { "direct" };
                targets.AddRange(o.Clis.Select(c => "cli:" + c.Label));
                int shift = (round - 1) % targets.Count;
                targets = [.. targets.Skip(shift), .. targets.Take(shift)];

                // Each build is measured next to its own nginx measurement (before it in odd rounds, after it in even ones), and
                // its ratios are taken against that one: on a shared machine the load moves within a round, so a ratio is only
                // as good as the distance in time between its two sides.
                bool nginxFirst = round % 2 == 1;
                var r = new Round(round);
                foreach (string target in targets)
                {
                    if (target == "direct")
                    {
                        r.Direct = await LoadAsync(new Uri($"http://127.0.0.1:{upstreamPort}{Path}"), pid: null);
                        continue;
                    }

                    (string label, string cli) = o.Clis.Single(c => "cli:" + c.Label == target);
                    LoadResult? paired = nginxProxy is not null && nginxFirst ? await NginxAsync() : null;
                    using (CodexProxyProcess proxy = await CodexProxyProcess.StartAsync(cli, home.FullName, proxyArgs, o.Environment))
                    {
                        var run = new ProxyRun { Ready = proxy.Ready };
                        await Task.Delay(1000);
                        run.IdleRss = Tools.ResidentBytes(proxy.ProcessId);
                        run.IdlePss = Tools.ProportionalBytes(proxy.ProcessId);
                        var url = new Uri(proxy.Address, Path.TrimStart('/'));
                        long linesBefore = proxy.StderrLines;
                        run.Load = await LoadAsync(url, proxy.ProcessId);
                        run.Rss = Tools.ResidentBytes(proxy.ProcessId);
                        run.Pss = Tools.ProportionalBytes(proxy.ProcessId);
                        run.LogLinesPerRequest = (proxy.StderrLines - linesBefore) / (double)Math.Max(1, run.Load.Requests);
                        run.ExitCode = await proxy.StopAsync();
                        r.Proxies[label] = run;
                    }

                    r.Proxies[label].PairedNginx = paired ?? (nginxProxy is not null ? await NginxAsync() : null);
                }

                async Task<LoadResult> NginxAsync()
                {
                    LoadResult result = await LoadAsync(new Uri($"http://127.0.0.1:{nginxProxy!.Port}{Path}"), nginxProxy.ProcessId);
                    r.Nginx.Add(result);
                    r.NginxRss = TreeResidentBytes(nginxProxy.ProcessId);
                    return result;
                }

                rounds.Add(r);
                string line = r.Describe();
                Console.WriteLine(line);
                report.AppendLine(line);
            }

            string summary = Summary(rounds, nginxProxy is not null, o.Clis.Select(c => c.Label).ToList());
            Console.WriteLine();
            Console.Write(summary);
            report.AppendLine().Append(summary);
            if (o.Out is not null)
            {
                await File.WriteAllTextAsync(o.Out, report.ToString());
            }

            return rounds.All(r => r.Proxies.Values.All(p => p.ExitCode == 0 && p.Load.Errors == 0)) ? 0 : 1;
        }
        finally
        {
            home.Delete(recursive: true);
        }

        async Task<LoadResult> LoadAsync(Uri url, int? pid)
        {
            if (o.Warmup > TimeSpan.Zero)
            {
                _ = await GenerateAsync(url, o.Warmup);
            }

            double cpuBefore = pid is { } p ? Tools.TreeCpuSeconds(p) : -1;
            LoadResult result = await GenerateAsync(url, o.Duration);
            double cpuAfter = pid is { } q ? Tools.TreeCpuSeconds(q) : -1;
            return cpuBefore >= 0 && cpuAfter >= 0 && result.Requests > 0
                ? result with { CpuMicrosPerRequest = (cpuAfter - cpuBefore) * 1e6 / result.Requests }
                : result;
        }

        Task<LoadResult> GenerateAsync(Uri url, TimeSpan duration) => useWrk
            ? WrkLoad.RunAsync(url, o.Connections, o.Threads, duration, new Dictionary<string, string> { ["Authorization"] = "Bearer agent-placeholder-token", ["ChatGPT-Account-ID"] = "acct_agent" })
            : DotnetLoad.RunAsync(url, o.Connections, duration, new Dictionary<string, string> { ["Authorization"] = "Bearer agent-placeholder-token", ["ChatGPT-Account-ID"] = "acct_agent" });
    }

    private static string Summary(List<Round> rounds, bool withNginx, List<string> labels)
    {
        var s = new StringBuilder();
        s.AppendLine("| target | requests/s | p50 ms | p99 ms | CPU µs/request | RSS after load | idle RSS | ready |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        s.AppendLine(CultureInfo.InvariantCulture, $"| direct | {Range(rounds, r => r.Direct!.RequestsPerSecond, "N0")} | {Range(rounds, r => r.Direct!.P50Ms, "0.00")} | {Range(rounds, r => r.Direct!.P99Ms, "0.00")} | — | — | — | — |");
        if (withNginx)
        {
            List<LoadResult> all = [.. rounds.SelectMany(r => r.Nginx)];
            s.AppendLine(CultureInfo.InvariantCulture, $"| nginx (injecting) | {Range(all, n => n.RequestsPerSecond, "N0")} | {Range(all, n => n.P50Ms, "0.00")} | {Range(all, n => n.P99Ms, "0.00")} | {Range(all, n => n.CpuMicrosPerRequest, "0.0")} | {Range(rounds, r => r.NginxRss / MiB, "0.0")} MiB | — | — |");
        }

        foreach (string label in labels)
        {
            ProxyRun P(Round r) => r.Proxies[label];
            s.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {Range(rounds, r => P(r).Load.RequestsPerSecond, "N0")} | {Range(rounds, r => P(r).Load.P50Ms, "0.00")} | {Range(rounds, r => P(r).Load.P99Ms, "0.00")} | {Range(rounds, r => P(r).Load.CpuMicrosPerRequest, "0.0")} | {Range(rounds, r => P(r).Rss / MiB, "0.0")} MiB | {Range(rounds, r => P(r).IdleRss / MiB, "0.0")} MiB | {Range(rounds, r => P(r).Ready.TotalMilliseconds, "0")} ms |");
        }

        foreach (string label in labels)
        {
            ProxyRun P(Round r) => r.Proxies[label];
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"{label}: PSS (shared framework pages divided among the processes mapping them) idle {Range(rounds, r => P(r).IdlePss / MiB, "0.0")} MiB, after load {Range(rounds, r => P(r).Pss / MiB, "0.0")} MiB; / direct throughput {Range(rounds, r => P(r).Load.RequestsPerSecond / r.Direct!.RequestsPerSecond, "0.00")}×; errors {rounds.Sum(r => P(r).Load.Errors)}; exit codes after SIGTERM {string.Join(',', rounds.Select(r => P(r).ExitCode))}");
            s.AppendLine(CultureInfo.InvariantCulture, $"{label}: goal (median of rounds; range in brackets; ratios against the nginx measurement next to it)");
            if (withNginx)
            {
                Goal(s, "throughput ≥ 0.70× nginx", rounds, r => P(r).Load.RequestsPerSecond / P(r).PairedNginx!.RequestsPerSecond, v => v >= 0.70, "0.00", "×");
                Goal(s, "p99 ≤ 2× nginx's", rounds, r => P(r).Load.P99Ms / P(r).PairedNginx!.P99Ms, v => v <= 2.0, "0.00", "×");
                s.AppendLine(CultureInfo.InvariantCulture, $"  info  CPU per request / nginx's: {Median(rounds.Select(r => P(r).Load.CpuMicrosPerRequest / P(r).PairedNginx!.CpuMicrosPerRequest)).ToString("0.00", CultureInfo.InvariantCulture)}× [{Range(rounds, r => P(r).Load.CpuMicrosPerRequest / P(r).PairedNginx!.CpuMicrosPerRequest, "0.00")}]");
            }

            Goal(s, "RSS after load ≤ 96 MiB", rounds, r => P(r).Rss / MiB, v => v <= 96, "0.0", " MiB");
            Goal(s, "idle RSS ≤ 48 MiB", rounds, r => P(r).IdleRss / MiB, v => v <= 48, "0.0", " MiB");
            Goal(s, "ready ≤ 300 ms", rounds, r => P(r).Ready.TotalMilliseconds, v => v <= 300, "0", " ms");
            Goal(s, "no per-request log line", rounds, r => P(r).LogLinesPerRequest, v => v < 0.001, "0.00", " lines/request");
        }

        return s.ToString();
    }

    private static void Goal(StringBuilder s, string what, List<Round> rounds, Func<Round, double> value, Func<double, bool> pass, string format, string unit)
    {
        double median = Median(rounds.Select(value));
        s.AppendLine(CultureInfo.InvariantCulture, $"  {(pass(median) ? "PASS" : "MISS")}  {what}: {median.ToString(format, CultureInfo.InvariantCulture)}{unit} [{Range(rounds, value, format)}]");
    }

    private static string Range<T>(List<T> items, Func<T, double> value, string format)
    {
        double min = items.Min(value), max = items.Max(value);
        string a = min.ToString(format, CultureInfo.InvariantCulture), b = max.ToString(format, CultureInfo.InvariantCulture);
        return a == b ? a : a + "–" + b;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static long TreeResidentBytes(int pid)
    {
        long total = Math.Max(0, Tools.ResidentBytes(pid));
        string children = $"/proc/{pid}/task/{pid}/children";
        if (File.Exists(children))
        {
            foreach (string child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                total += Math.Max(0, Tools.ResidentBytes(int.Parse(child, CultureInfo.InvariantCulture)));
            }
        }

        return total;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

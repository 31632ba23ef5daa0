using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Codex.Auth.ProxyLoad;

/// <summary>Runs wrk (Debian package <c>wrk</c>) with a fixed number of keep-alive connections and parses its report.</summary>
internal static partial class WrkLoad
{
    public static bool IsInstalled => Tools.Find("wrk") is not null;

    public static async Task<LoadResult> RunAsync(Uri url, int connections, int threads, TimeSpan duration, IReadOnlyDictionary<string, string> headers)
    {
        var info = new ProcessStartInfo(Tools.Find("wrk")!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s", "--latency", "--timeout", "10s" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in headers)
        {
            info.ArgumentList.Add("-H");
            info.ArgumentList.Add($"{name}: {value}");
        }

        info.ArgumentList.Add(url.AbsoluteUri);
        using Process wrk = Process.Start(info)!;
        Task<string> stderr = wrk.StandardError.ReadToEndAsync();
        string output = await wrk.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await wrk.WaitForExitAsync().ConfigureAwait(false);
        if (wrk.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({wrk.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        double rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        long requests = long.Parse(Requests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        long errors = 0;
        foreach (Match m in Errors().Matches(output))
        {
            errors += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        Match non2xx = Non2xx().Match(output);
        if (non2xx.Success)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return new LoadResult(rps, Percentile(output, "50"), Percentile(output, "99"), requests, errors);
    }

    private static double Percentile(string output, string p)
    {
        Match m = Regex.Match(output, @"^\s+" + p + @"(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success)
        {
            throw new InvalidOperationException($"No {p}% line in wrk's output:\n{output}");
        }

        double value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex Errors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();
}

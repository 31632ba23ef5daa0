using System.Diagnostics;
using System.Net;

namespace Codex.Auth.ProxyLoad;

/// <summary>
/// The load generator used when wrk is not installed: <c>connections</c> loops, each with its own kept-alive HTTP/1.1
/// connection, sending the next request as soon as the last response is read. Latency is measured per request.
/// It costs more CPU than wrk, so on two cores it lowers every target's numbers; compare ratios, not absolutes.
/// </summary>
internal static class DotnetLoad
{
    public static async Task<LoadResult> RunAsync(Uri url, int connections, TimeSpan duration, IReadOnlyDictionary<string, string> headers)
    {
        var latencies = new List<long>[connections];
        long errors = 0;
        long deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long started = Stopwatch.GetTimestamp();
        var workers = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            var mine = latencies[i] = new List<long>(1 << 16);
            workers[i] = Task.Run(async () =>
            {
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false };
                using var client = new HttpMessageInvoker(handler);
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    foreach ((string name, string value) in headers)
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }

                    long t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        using HttpResponseMessage response = await client.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
                        await response.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    mine.Add(Stopwatch.GetTimestamp() - t0);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long[] all = latencies.SelectMany(l => l).Order().ToArray();
        double Ms(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new LoadResult(all.Length / seconds, Ms(0.50), Ms(0.99), all.Length, errors);
    }
}

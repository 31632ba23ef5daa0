using System.Diagnostics;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// Keeps the paired pass from favouring one side through the JIT: every case enters its handler through the same call site,
/// <see cref="HttpMessageInvoker.SendAsync"/>'s virtual call to its handler. With dynamic PGO that site is compiled once, for the
/// handler type it saw most while it was being profiled, and that type is then called directly and inlined into the invoker while
/// every other type takes the virtual call. Which side of a pair won depended on timing: the API-key target measured 0.95× in one
/// process and 1.39× in the next on the same code (issue 15). Before anything else runs, this drives that site (and
/// <see cref="DelegatingHandler"/>'s call of its inner handler, which every case also makes) with a handler type of its own until
/// the optimized code is in place; from then on subject and reference both take the same virtual call, as a handler behind
/// <c>IHttpClientFactory</c>'s own handlers does in an application.
/// </summary>
internal static class SharedCallSitePriming
{
    public static void Prime()
    {
        // The same path as every case (HandlerBenchmarks.Invocation.Send → HttpMessageInvoker.SendAsync → handler → DelegatingHandler → NoRemoteCallHandler).
        using HandlerBenchmarks.Invocation invocation = HandlerBenchmarks.Invoke(new PrimingHandler(), BenchmarkCredentials.ApiUrl);

        // Tiered compilation: ~30 calls, a quiet 100 ms, profiled code for a while, ~30 calls, then the optimized code is compiled in
        // the background. Two seconds of bursts with pauses covers all of it on a busy machine.
        long until = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            for (int i = 0; i < 2_000; i++)
            {
                Send(invocation);
            }

            Thread.Sleep(20);
        }
    }

    // Out of line, as the cases' own calls are: inlined into this loop, the shared methods would not be the ones profiled.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Send(HandlerBenchmarks.Invocation invocation) => _ = invocation.Send().GetAwaiter().GetResult();

    /// <summary>A pass-through handler that nothing else uses, so that the shared call sites are compiled for it.</summary>
    private sealed class PrimingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            base.SendAsync(request, cancellationToken);
    }
}

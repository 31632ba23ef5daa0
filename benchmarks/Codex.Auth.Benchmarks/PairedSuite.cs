namespace Codex.Auth.Benchmarks;

/// <summary>
/// The in-process targets, judged paired (<see cref="PairedRunner"/>) on the same benchmark classes BenchmarkDotNet runs: each
/// class is set up once in this process, and every operation is the same call the BenchmarkDotNet case makes.
/// </summary>
internal static class PairedSuite
{
    public static (string Text, string Markdown) Run(string? filter = null)
    {
        SharedCallSitePriming.Prime();
        var handlers = new HandlerBenchmarks();
        var signing = new SigningBenchmarks();
        // The Redis store's cached path against the file store's needs a redis-server (started by the setup).
        RedisStoreBenchmarks? stores = BenchmarkRedis.IsAvailable ? new RedisStoreBenchmarks() : null;
        handlers.Setup();
        signing.Setup();
        stores?.Setup();
        try
        {
            List<PairedTarget> targets =
            [
                new("API key ≤ 1.15× floor that also checks the destination", Op(handlers.ApiKey), Op(handlers.FloorAuthorizationChecked), 1.15),
                new("API key vs floor that only sets the header (info)", Op(handlers.ApiKey), Op(handlers.FloorAuthorization), null),
                new("ChatGPT cached ≤ 1.15× floor (three headers)", Op(handlers.ChatGptCached), Op(handlers.FloorThreeHeaders), 1.15),
                new("ChatGPT, refresh in flight ≤ 1.15× floor (three headers)", Op(handlers.ChatGptRefreshInFlight), Op(handlers.FloorThreeHeaders), 1.15),
                new("Agent, same second (system clock) ≤ 1.2× floor", Op(handlers.AgentSameSecondSystemClock), Op(handlers.FloorAgent), 1.2),
                new("Agent, same second (FakeTimeProvider) ≤ 1.2× floor", Op(handlers.AgentSameSecond), Op(handlers.FloorAgent), 1.2),
                new("Agent, new second ≤ 1.2× Ed25519 sign, ≤ 512 B", Op(signing.AgentNewSecond), () => signing.Ed25519Sign(), 1.2, MaxSubjectBytes: 512, ExplainBytes: signing.ExplainNewSecondBytes),
                new("API key vs Kiota (info; < 1 is ahead)", Op(handlers.ApiKey), Op(handlers.Kiota), null, MaxSubjectBytes: null),
                new("API key vs Identity.Web (info; < 1 is ahead)", Op(handlers.ApiKey), Op(handlers.IdentityWeb), null, MaxSubjectBytes: null),
            ];
            if (stores is not null)
            {
                targets.Add(new("ChatGPT cached: Redis store ≤ 1.05× file store", Op(stores.RedisStoreCached), Op(stores.FileStoreCached), 1.05));
            }

            if (filter is not null)
            {
                targets.RemoveAll(t => !t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase));
            }

            (string text, string markdown) = PairedRunner.Run(targets);
            if (stores is null && filter is null)
            {
                text += "  n/a   ChatGPT cached: Redis store ≤ 1.05× file store  (" + BenchmarkRedis.MissingNote + ")" + Environment.NewLine;
                markdown += "| ChatGPT cached: Redis store ≤ 1.05× file store | — | n/a | " + BenchmarkRedis.MissingNote + " |" + Environment.NewLine;
            }

            return (text, markdown);
        }
        finally
        {
            handlers.Cleanup();
            signing.Cleanup();
            stores?.Cleanup(); // throws when the cached path ran a Redis command
        }
    }

    // Every case completes synchronously (no I/O): GetResult only unwraps the completed task.
    private static Action Op(Func<Task<HttpResponseMessage>> send) => () => _ = send().GetAwaiter().GetResult();
}

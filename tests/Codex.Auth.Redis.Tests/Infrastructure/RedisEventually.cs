using System.Runtime.CompilerServices;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary><see cref="Eventually"/> where a slow or reconnecting Redis server is not an answer yet.</summary>
internal static class RedisEventually
{
    public static Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan patience) =>
        Eventually.TrueAsync(condition, patience, static ex => ex is StackExchange.Redis.RedisException);

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan patience) =>
        Eventually.TrueAsync(condition, patience);
}

/// <summary>StackExchange.Redis completes commands on the worker pool; two cores start with two workers, so raise the floor for the test host.</summary>
internal static class TestHostThreads
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out int worker, out int io);
        ThreadPool.SetMinThreads(Math.Max(worker, 32), Math.Max(io, 32));
    }
}

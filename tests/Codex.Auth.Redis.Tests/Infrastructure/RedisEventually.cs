using System.Runtime.CompilerServices;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>Waits for a condition without blocking a thread-pool thread (SpinWait would starve Redis continuations on two cores).</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan patience)
    {
        DateTime deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (StackExchange.Redis.RedisException)
            {
                // A slow or reconnecting server is not an answer yet.
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan patience) =>
        TrueAsync(() => Task.FromResult(condition()), patience);
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

using System.Diagnostics;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage;

/// <summary>Our locks and util-linux's flock(1) — the same flock(2) the Codex CLI uses — exclude each other.</summary>
public sealed class FlockInteropTests
{
    private static async Task<int> FlockNonBlockingAsync(string path)
    {
        using Process p = Process.Start(new ProcessStartInfo("flock", ["-n", "-x", path, "true"]) { UseShellExecute = false })!;
        await p.WaitForExitAsync();
        return p.ExitCode;
    }

    [Fact]
    public async Task A_lock_held_by_flock_1_is_seen_by_the_store()
    {
        using var home = new TempDirectory();
        string lockPath = home.File("auth.lock");
        using Process holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockPath, "cat"]) { RedirectStandardInput = true, UseShellExecute = false })!;

        // Wait (by polling the lock itself) until the external process holds it.
        FileLock? ours;
        while ((ours = FileLock.TryAcquire(lockPath, exclusive: true)) is not null)
        {
            ours.Dispose();
            await Task.Yield();
        }

        Assert.Null(FileLock.TryAcquire(lockPath, exclusive: true));
        holder.StandardInput.Close();
        await holder.WaitForExitAsync();

        using FileLock? after = FileLock.TryAcquire(lockPath, exclusive: true);
        Assert.NotNull(after);
        Assert.Equal(1, await FlockNonBlockingAsync(lockPath));
    }

    [Fact]
    public async Task A_refresh_in_flight_holds_auth_lock_against_other_programs()
    {
        await using ChatGptFixture f = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = f.CreateProvider();
        FakeGate gate = f.Server.TokenFaults.HoldNextResponse();
        f.Time.Advance(TimeSpan.FromHours(2));

        Task<AuthHeaders> pending = provider.GetHeadersAsync().AsTask();
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        // The POST is in flight: auth.lock is held, so the Codex CLI (flock) cannot take it.
        Assert.Equal(1, await FlockNonBlockingAsync(f.Home.File("auth.lock")));
        gate.Release();
        await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await FlockNonBlockingAsync(f.Home.File("auth.lock")));
    }

    [Fact]
    public async Task Saves_replace_the_file_atomically_with_mode_0600_and_leave_no_temp_files()
    {
        using var home = new TempDirectory();
        var store = new FileCredentialStore(Path.Combine(home.Path, "nested-home"));

        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-1"));
        string first = File.ReadAllText(store.FilePath);

        // A reader that opened the file before the save keeps reading the complete old document: the save replaced the
        // file (a new inode renamed over the name), it did not truncate and rewrite it in place.
        using (var reader = new FileStream(store.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-2"));
            using var text = new StreamReader(reader);
            Assert.Equal(first, await text.ReadToEndAsync());
        }

        Assert.Contains("sk-2", File.ReadAllText(store.FilePath), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Directory));
        Assert.Equal(["auth.json", "auth.json.lock"], Directory.GetFiles(store.Directory).Select(p => Path.GetFileName(p)!).Order().ToArray());
        Assert.Equal("sk-2", (await store.LoadAsync())!.ApiKey);
        Assert.True(await store.DeleteAsync());
        Assert.Null(await store.LoadAsync());
        Assert.False(await store.DeleteAsync());
    }
}

public sealed class StoreWatchTests
{
    [Fact]
    public async Task Watching_a_codex_home_that_does_not_exist_yet_reports_the_first_sign_in_and_later_writes()
    {
        using var root = new TempDirectory();
        var store = new FileCredentialStore(Path.Combine(root.Path, "codex-home"));
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        using IDisposable watch = store.Watch(() =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                first.TrySetResult();
            }
            else
            {
                second.TrySetResult();
            }
        });

        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-1"));
        await first.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await new FileCredentialStore(store.Directory).SaveAsync(CodexAuthDocument.CreateApiKey("sk-2"));
        await second.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

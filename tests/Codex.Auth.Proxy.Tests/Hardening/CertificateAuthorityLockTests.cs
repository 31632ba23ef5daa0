using System.Diagnostics;
using Codex.Auth.Proxy.Internal;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests.Hardening;

/// <summary>
/// The CA directory's lock works across processes: checked against flock(1), a separate process taking <c>flock(LOCK_EX)</c> on
/// the same file (what the runtime takes for <see cref="FileShare.None"/> on Unix).
/// </summary>
public sealed class CertificateAuthorityLockTests
{
    private sealed class WithFlockFactAttribute : FactAttribute
    {
        public WithFlockFactAttribute()
        {
            if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/flock"))
            {
                Skip = "needs flock(1) (util-linux) to hold the lock from another process";
            }
        }
    }

    [WithFlockFact]
    public async Task A_lock_another_process_holds_is_refused_until_that_process_lets_go()
    {
        using var dir = new TempDirectory();
        string path = dir.File(LocalCertificateAuthority.LockFileName);
        using Process holder = StartHolder(path, then: "true");
        Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

        Assert.Null(ExclusiveFileLock.TryAcquire(path));

        holder.StandardInput.WriteLine("go");
        await holder.WaitForExitAsync();
        using ExclusiveFileLock? held = ExclusiveFileLock.TryAcquire(path);
        Assert.NotNull(held);
    }

    [WithFlockFact]
    public async Task Another_process_cannot_take_the_lock_while_this_one_holds_it()
    {
        using var dir = new TempDirectory();
        string path = dir.File(LocalCertificateAuthority.LockFileName);

        using (ExclusiveFileLock held = ExclusiveFileLock.Acquire(path, TimeSpan.FromSeconds(5)))
        {
            Assert.Equal(1, await TryFlockAsync(path));
            Assert.Null(ExclusiveFileLock.TryAcquire(path)); // a second open in this process conflicts too
        }

        Assert.Equal(0, await TryFlockAsync(path));
    }

    [WithFlockFact]
    public async Task LoadOrCreate_does_not_touch_the_CA_while_another_process_holds_the_lock()
    {
        using var dir = new TempDirectory();
        using (Process holder = StartHolder(dir.File(LocalCertificateAuthority.LockFileName), then: "true"))
        {
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

            Assert.Throws<TimeoutException>(() => LocalCertificateAuthority.LoadOrCreate(dir.Path, [], null, TimeSpan.Zero));
            Assert.False(File.Exists(dir.File(LocalCertificateAuthority.CertificateFileName)));
            Assert.False(File.Exists(dir.File(LocalCertificateAuthority.KeyFileName)));

            holder.StandardInput.WriteLine("go");
            await holder.WaitForExitAsync();
        }

        using LocalCertificateAuthority ca = LocalCertificateAuthority.LoadOrCreate(dir.Path, [], null, TimeSpan.Zero);
        Assert.True(File.Exists(dir.File(LocalCertificateAuthority.KeyFileName)));
    }

    [Fact]
    public async Task Concurrent_LoadOrCreate_calls_agree_on_one_CA()
    {
        using var dir = new TempDirectory();
        LocalCertificateAuthority[] all = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => LocalCertificateAuthority.LoadOrCreate(dir.Path))));
        try
        {
            Assert.Single(all.Select(ca => ca.Certificate.Thumbprint).Distinct());
        }
        finally
        {
            foreach (LocalCertificateAuthority ca in all)
            {
                ca.Dispose();
            }
        }
    }

    /// <summary>flock(1) takes LOCK_EX on <paramref name="path"/>, prints "locked", waits for a line, runs <paramref name="then"/> and exits.</summary>
    private static Process StartHolder(string path, string then)
    {
        var start = new ProcessStartInfo("/usr/bin/flock")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-x");
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("echo locked; read line; " + then);
        return Process.Start(start)!;
    }

    /// <summary>flock -n: 0 when it got the lock, 1 when another holder has it.</summary>
    private static async Task<int> TryFlockAsync(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/flock") { UseShellExecute = false };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add("-x");
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("true");
        using Process process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}

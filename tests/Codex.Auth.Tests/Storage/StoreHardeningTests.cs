using System.Diagnostics;
using System.Text.RegularExpressions;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Tests.Storage;

/// <summary>auth.json on an unlucky disk: symbolic links, loose permissions, killed writers, power loss.</summary>
public sealed class StoreHardeningTests
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_refresh_writes_through_a_symlinked_auth_json_to_its_target()
    {
        await using ChatGptFixture f = await ChatGptFixture.StartAsync();
        using var dotfiles = new TempDirectory();
        string target = dotfiles.File("codex-auth.json");
        File.Move(f.AuthPath, target);
        File.CreateSymbolicLink(f.AuthPath, target);
        ChatGptTokenProvider provider = f.CreateProvider();
        f.Time.Advance(TimeSpan.FromHours(2));

        AuthHeaders refreshed = await provider.GetHeadersAsync();

        Assert.Equal(target, new FileInfo(f.AuthPath).LinkTarget);
        string current = f.Server.CurrentTokens("acct_main").RefreshToken;
        Assert.Contains(current, File.ReadAllText(target), StringComparison.Ordinal);
        Assert.Equal(Mode0600, File.GetUnixFileMode(target));
        Assert.Equal(refreshed.Fingerprint, (await f.CreateProvider().GetHeadersAsync()).Fingerprint);
        Assert.Empty(Directory.GetFiles(dotfiles.Path, ".auth-*"));
        Assert.Empty(Directory.GetFiles(f.Home.Path, ".auth-*"));
    }

    [Fact]
    public async Task A_link_to_a_file_that_does_not_exist_yet_is_written_through_too()
    {
        using var home = new TempDirectory();
        using var dotfiles = new TempDirectory();
        string target = dotfiles.File("auth.json");
        File.CreateSymbolicLink(home.File("auth.json"), target);
        var store = new FileCredentialStore(home.Path);

        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-through"));

        Assert.NotNull(new FileInfo(home.File("auth.json")).LinkTarget);
        Assert.Equal("sk-through", CodexAuthDocument.Parse(File.ReadAllText(target), target).ApiKey);
    }

    [Fact]
    public async Task Temp_files_left_by_a_killed_writer_are_removed_by_the_next_write_and_nothing_else_is()
    {
        using var home = new TempDirectory();
        var store = new FileCredentialStore(home.Path);
        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-1"));
        File.WriteAllText(home.File(".auth-Ab12Cd"), "{\"half\":");
        File.WriteAllText(home.File(".auth-zzzzzz"), string.Empty);
        File.WriteAllText(home.File(".auth-placeholder-1234abcd"), "not ours");
        File.WriteAllText(home.File("config.toml"), "model = \"x\"");

        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-2"));

        Assert.Equal(
            [".auth-placeholder-1234abcd", "auth.json", "auth.json.lock", "config.toml"],
            Directory.GetFiles(home.Path).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task A_file_readable_by_others_is_reported_and_made_0600_by_the_next_write()
    {
        using var home = new TempDirectory();
        var store = new FileCredentialStore(home.Path);
        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-1"));
        File.SetUnixFileMode(store.FilePath, Mode0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        string warning = Assert.Single(store.CheckPermissions());
        Assert.Contains("mode 0644", warning, StringComparison.Ordinal);
        Assert.Contains("chmod 600", warning, StringComparison.Ordinal);

        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-2"));

        Assert.Equal(Mode0600, File.GetUnixFileMode(store.FilePath));
        Assert.Empty(store.CheckPermissions());
    }

    [Fact]
    public void A_world_writable_codex_home_is_reported_unless_it_is_sticky()
    {
        using var home = new TempDirectory();
        var store = new FileCredentialStore(home.Path);
        const UnixFileMode All = (UnixFileMode)0x1FF;

        File.SetUnixFileMode(home.Path, All);
        string warning = Assert.Single(store.CheckPermissions());
        Assert.Contains("writable by every user (mode 0777)", warning, StringComparison.Ordinal);
        Assert.Contains("chmod 700", warning, StringComparison.Ordinal);

        File.SetUnixFileMode(home.Path, All | UnixFileMode.StickyBit);
        Assert.Empty(store.CheckPermissions());
        File.SetUnixFileMode(home.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task The_provider_logs_unsafe_permissions_once()
    {
        await using ChatGptFixture f = await ChatGptFixture.StartAsync();
        File.SetUnixFileMode(f.AuthPath, Mode0600 | UnixFileMode.OtherRead);
        var logger = new ListLogger();
        using var provider = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions { CodexHome = f.Home.Path, RefreshTokenUrl = f.Server.TokenEndpoint, WatchStore = false },
            f.Time,
            f.RefreshHttp,
            CodexEnvironment.FromValues(new Dictionary<string, string?>()),
            logger);

        _ = await provider.GetHeadersAsync();
        _ = await provider.GetSessionAsync();

        string line = Assert.Single(logger.Lines, l => l.Contains("Unsafe permissions", StringComparison.Ordinal));
        Assert.Contains(f.AuthPath, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_warns_about_a_world_readable_auth_json()
    {
        using var home = new TempDirectory();
        await new FileCredentialStore(home.Path).SaveAsync(CodexAuthDocument.CreateApiKey("sk-status-SECRET"));
        File.SetUnixFileMode(home.File("auth.json"), Mode0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        CliResult result = await CliProcess.RunAsync(home.Path, ["status"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("codex-auth: warning: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("chmod 600", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-status-SECRET", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_save_flushes_the_file_renames_it_then_flushes_the_directory()
    {
        using var home = new TempDirectory();
        using var trace = new TempDirectory();
        string log = trace.File("strace.log");
        Assert.True(File.Exists("/usr/bin/strace") || File.Exists("/bin/strace"), "strace(1) is needed to observe the system calls (.ci/run installs it: apt-get install strace).");
        var info = new ProcessStartInfo("strace", ["-f", "-qq", "-e", "trace=openat,open,fsync,fdatasync,rename,renameat,renameat2", "-o", log, "dotnet", HelperProcess.DllPath, "save-once", home.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(info)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, stderr);

        string[] lines = File.ReadAllLines(log);
        string escapedHome = Regex.Escape(home.Path);
        int tempOpen = Array.FindIndex(lines, l => Regex.IsMatch(l, $"open(at)?\\(.*\"{escapedHome}/\\.auth-[A-Za-z0-9]{{6}}\".*O_CREAT.*= \\d+"));
        Assert.True(tempOpen >= 0, "the temp file was not created: " + string.Join('\n', lines.Where(l => l.Contains(home.Path, StringComparison.Ordinal))));
        string tempFd = Regex.Match(lines[tempOpen], "= (\\d+)$").Groups[1].Value;
        int rename = Array.FindIndex(lines, tempOpen, l => Regex.IsMatch(l, $"rename(at2?)?\\(.*\\.auth-[A-Za-z0-9]{{6}}\".*\"{escapedHome}/auth\\.json\""));
        int fileSync = Array.FindIndex(lines, tempOpen, l => Regex.IsMatch(l, $"f(data)?sync\\({tempFd}\\)"));
        Assert.True(fileSync > tempOpen && fileSync < rename, "the temp file was not flushed before the rename");
        int dirOpen = Array.FindIndex(lines, rename, l => Regex.IsMatch(l, $"open(at)?\\(.*\"{escapedHome}\", O_RDONLY.*= \\d+"));
        Assert.True(dirOpen > rename, "the directory was not opened after the rename");
        string dirFd = Regex.Match(lines[dirOpen], "= (\\d+)$").Groups[1].Value;
        Assert.Contains(lines.Skip(dirOpen), l => Regex.IsMatch(l, $"fsync\\({dirFd}\\)\\s+= 0"));
    }

    private sealed class ListLogger : ILogger<ChatGptTokenProvider>
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}

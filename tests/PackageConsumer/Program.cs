// Consumes Codex.Auth, Codex.Auth.Proxy, Codex.Auth.Redis and Codex.Auth.Testing from packages: checks each package's
// metadata (and the codex-auth tool's: the pointer package and the RID-specific packages it names), then authenticates an IHttpClientFactory client against the fake server end to end (a request, a 401
// recovery, the refresh it caused), then does the same with the sign-in in the Redis store (AddCodexAuthRedisStore) on a
// redis-server this program starts on a free loopback port (when redis-server is installed; required under CI=true).
// Usage: PackageConsumer <packages-folder> <version>
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Codex.Auth;
using Codex.Auth.Redis;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Microsoft.Extensions.DependencyInjection;

string folder = args[0];
string version = args[1];
int failures = 0;

// 1. Package metadata: README, MIT licence expression, repository, symbols package.
foreach (string id in new[] { "Codex.Auth", "Codex.Auth.Proxy", "Codex.Auth.Redis", "Codex.Auth.Testing" })
{
    CheckMetadata(id, symbols: true);
}

// The codex-auth tool (.NET 10 RID-specific tool packages): Codex.Auth.Cli is a pointer (package type DotnetTool, no code)
// naming one package per RID (type DotnetToolRidPackage): linux-x64 is native AOT and runs an executable; linux-musl-x64
// and the `any` fallback run codex-auth.dll on the shared framework. Symbols only for the managed packages.
{
    using ZipArchive pointer = ZipFile.OpenRead(Path.Combine(folder, $"Codex.Auth.Cli.{version}.nupkg"));
    CheckMetadata("Codex.Auth.Cli", symbols: false, packageType: "DotnetTool");
    XDocument settings = XDocument.Load(pointer.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal)).Open());
    Check(!pointer.Entries.Any(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)), "Codex.Auth.Cli: the pointer package holds no code");
    string[] rids = settings.Descendants("RuntimeIdentifierPackage").Select(e => (string)e.Attribute("RuntimeIdentifier")!).ToArray();
    Check(rids.Contains("any"), $"Codex.Auth.Cli: names RID packages [{string.Join(", ", rids)}], with the `any` fallback");
    foreach (XElement ridPackage in settings.Descendants("RuntimeIdentifierPackage"))
    {
        string rid = (string)ridPackage.Attribute("RuntimeIdentifier")!;
        string id = (string)ridPackage.Attribute("Id")!;
        bool native = rid == "linux-x64";
        CheckMetadata(id, symbols: !native, packageType: "DotnetToolRidPackage");
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(folder, $"{id}.{version}.nupkg"));
        XElement command = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal)).Open())
            .Descendants("Command").Single();
        string entryPoint = (string)command.Attribute("EntryPoint")!;
        Check(
            native
                ? (string?)command.Attribute("Runner") == "executable" && entryPoint == "codex-auth" && !zip.Entries.Any(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal) || e.FullName.EndsWith(".pdb", StringComparison.Ordinal))
                : (string?)command.Attribute("Runner") == "dotnet" && entryPoint == "codex-auth.dll" && zip.Entries.Any(e => e.FullName.EndsWith($"/{rid}/codex-auth.dll", StringComparison.Ordinal)),
            native ? $"{id}: a native executable, no managed assemblies" : $"{id}: codex-auth.dll run by dotnet (framework-dependent)");
    }
}

// 2. The proxy package: placeholder credentials for a sandbox carry the host's account and expiry, nothing else.
DateTimeOffset hostExpiry = DateTimeOffset.UtcNow.AddMinutes(30);
Codex.Auth.Proxy.PlaceholderTokens placeholder = Codex.Auth.Proxy.PlaceholderCredentials.Create("acct_host", hostExpiry, DateTimeOffset.UtcNow);
string placeholderJson = Codex.Auth.Proxy.PlaceholderCredentials.CreateAuthJson(placeholder, DateTimeOffset.UtcNow);
Check(placeholderJson.Contains("acct_host", StringComparison.Ordinal) && Codex.Auth.ChatGpt.ChatGptTokenClaims.ReadExpiry(placeholder.AccessToken)?.ToUnixTimeSeconds() == hostExpiry.ToUnixTimeSeconds(), "Codex.Auth.Proxy: placeholder auth.json with the host's account and exp");

// 3. The library, from its package, against the fake server, from its package.
await using FakeCodexServer server = await FakeCodexServer.StartAsync();
string home = Directory.CreateTempSubdirectory("codex-auth-consumer-").FullName;
try
{
    await File.WriteAllTextAsync(Path.Combine(home, "auth.json"), server.SignIn(accountId: "acct_consumer").ToAuthJson());
    var services = new ServiceCollection();
    services.AddSingleton(CodexEnvironment.FromValues(new Dictionary<string, string?>
    {
        [CodexEnvironmentVariables.CodexHome] = home,
        [CodexEnvironmentVariables.RefreshTokenUrlOverride] = server.TokenEndpoint.AbsoluteUri,
    }));
    services.AddHttpClient("codex", c => c.BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/"))
            .AddCodexAuth();
    await using ServiceProvider sp = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    HttpClient codex = sp.GetRequiredService<IHttpClientFactory>().CreateClient("codex");

    using (HttpResponseMessage models = await codex.GetAsync("models"))
    {
        Check(models.StatusCode == HttpStatusCode.OK, "AddCodexAuth: GET models with the ChatGPT sign-in");
    }

    server.BackendFaults.Unauthorized();
    using (HttpResponseMessage recovered = await codex.PostAsync("responses", new StringContent("{\"model\":\"gpt-5-codex\",\"input\":\"hi\"}")))
    {
        Check(recovered.StatusCode == HttpStatusCode.OK && server.RefreshReasons is ["unauthorized_recovery"], "401 recovered by one refresh");
    }
}
finally
{
    Directory.Delete(home, recursive: true);
}

// 4. The Redis store package (StackExchange.Redis and its dependencies resolve from the feed): an unreachable Redis is a
// typed error, and with a real redis-server the sign-in lives in Redis, sealed, and a 401 recovery refreshes it there.
byte[] storeKey = RandomNumberGenerator.GetBytes(32);
{
    var services = new ServiceCollection();
    services.AddCodexAuthRedisStore($"redis://127.0.0.1:{FreePort()}?name=smoke", o => { o.EncryptionKey = storeKey; o.OperationTimeout = TimeSpan.FromSeconds(1); });
    await using ServiceProvider sp = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    CodexAuthFailureReason? reason = null;
    try
    {
        await sp.GetRequiredService<ICodexCredentialStore>().LoadAsync();
    }
    catch (CodexAuthException ex)
    {
        reason = ex.Reason;
    }

    Check(reason == CodexAuthFailureReason.StoreUnavailable, "Codex.Auth.Redis: an unreachable Redis is a typed StoreUnavailable error");
}

string? redisServer = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
    .Append("/usr/bin").Append("/usr/sbin").Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists);
if (redisServer is null)
{
    bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
    Console.WriteLine("skip Codex.Auth.Redis round trip: redis-server is not installed (apt-get install redis-server)");
    Check(!ci, "Codex.Auth.Redis: redis-server installed (required under CI=true)");
}
else
{
    string redisDir = Directory.CreateTempSubdirectory("codex-auth-consumer-redis-").FullName;
    int port = FreePort();
    var start = new ProcessStartInfo(redisServer) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = redisDir };
    foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", redisDir, "--save", "", "--appendonly", "no", "--loglevel", "warning" })
    {
        start.ArgumentList.Add(arg);
    }

    using Process redis = Process.Start(start)!;
    redis.OutputDataReceived += (_, _) => { };
    redis.ErrorDataReceived += (_, _) => { };
    redis.BeginOutputReadLine();
    redis.BeginErrorReadLine();
    string redisHome = Directory.CreateTempSubdirectory("codex-auth-consumer-").FullName;
    try
    {
        await WaitForPortAsync(port, TimeSpan.FromSeconds(30));
        var services = new ServiceCollection();
        services.AddSingleton(CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            [CodexEnvironmentVariables.CodexHome] = redisHome,
            [CodexEnvironmentVariables.RefreshTokenUrlOverride] = server.TokenEndpoint.AbsoluteUri,
        }));
        services.AddCodexAuthRedisStore($"redis://127.0.0.1:{port}?name=smoke", o => o.EncryptionKey = storeKey);
        services.AddHttpClient("codex", c => c.BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/"))
                .AddCodexAuth();
        await using ServiceProvider sp = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        ICodexCredentialStore store = sp.GetRequiredService<ICodexCredentialStore>();
        FakeSignIn signIn = server.SignIn(accountId: "acct_redis_consumer");
        await store.SaveAsync(CodexAuthDocument.Parse(signIn.ToAuthJson(), "package consumer"));
        Check(store is RedisCredentialStore && store.Location.StartsWith("redis://", StringComparison.Ordinal), "AddCodexAuthRedisStore: the credential store is the Redis store");
        HttpClient codex = sp.GetRequiredService<IHttpClientFactory>().CreateClient("codex");

        using (HttpResponseMessage models = await codex.GetAsync("models"))
        {
            Check(models.StatusCode == HttpStatusCode.OK, "AddCodexAuthRedisStore: GET models with the sign-in from Redis");
        }

        int refreshesBefore = server.TokenRefreshCount;
        server.BackendFaults.Unauthorized();
        using (HttpResponseMessage recovered = await codex.PostAsync("responses", new StringContent("{\"model\":\"gpt-5-codex\",\"input\":\"hi\"}")))
        {
            string? stored = (string?)JsonNode.Parse((await store.LoadAsync())!.ToJson())!["tokens"]!["refresh_token"];
            Check(
                recovered.StatusCode == HttpStatusCode.OK && server.TokenRefreshCount == refreshesBefore + 1 && stored == server.CurrentTokens("acct_redis_consumer").RefreshToken && stored != signIn.RefreshToken,
                "AddCodexAuthRedisStore: 401 recovered by one refresh, the new tokens written to Redis");
        }

        Check(!File.Exists(Path.Combine(redisHome, "auth.json")), "AddCodexAuthRedisStore: no auth.json written");
    }
    finally
    {
        redis.Kill();
        await redis.WaitForExitAsync();
        Directory.Delete(redisHome, recursive: true);
        Directory.Delete(redisDir, recursive: true);
    }
}

Console.WriteLine(failures == 0 ? "package consumer: all checks passed" : $"package consumer: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

void CheckMetadata(string id, bool symbols, string? packageType = null)
{
    using ZipArchive zip = ZipFile.OpenRead(Path.Combine(folder, $"{id}.{version}.nupkg"));
    XDocument nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
    XNamespace ns = nuspec.Root!.Name.Namespace;
    XElement metadata = nuspec.Root.Element(ns + "metadata")!;
    string? readme = metadata.Element(ns + "readme")?.Value;
    XElement? license = metadata.Element(ns + "license");
    XElement? repository = metadata.Element(ns + "repository");
    Check(readme is not null && zip.GetEntry(readme) is { Length: > 0 }, $"{id}: README packed");
    Check(license?.Attribute("type")?.Value == "expression" && license.Value == "MIT", $"{id}: license expression MIT");
    Check(repository?.Attribute("type")?.Value == "git" && repository.Attribute("url")?.Value.StartsWith("https://", StringComparison.Ordinal) == true, $"{id}: repository metadata");
    Check(File.Exists(Path.Combine(folder, $"{id}.{version}.snupkg")) == symbols, $"{id}: {(symbols ? "a" : "no")} symbols package");
    if (packageType is not null)
    {
        string[] types = metadata.Element(ns + "packageTypes")?.Elements(ns + "packageType").Select(e => (string)e.Attribute("name")!).ToArray() ?? [];
        Check(types is [var only] && only == packageType, $"{id}: package type {packageType}");
    }
}

void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    failures += ok ? 0 : 1;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForPortAsync(int port, TimeSpan patience)
{
    DateTime deadline = DateTime.UtcNow + patience;
    while (true)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            return;
        }
        catch (SocketException) when (DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}

// Consumes Codex.Auth and Codex.Auth.Testing from packages: checks each package's metadata, then authenticates an
// IHttpClientFactory client against the fake server end to end (a request, a 401 recovery, the refresh it caused).
// Usage: PackageConsumer <packages-folder> <version>
using System.IO.Compression;
using System.Net;
using System.Xml.Linq;
using Codex.Auth;
using Codex.Auth.Testing;
using Microsoft.Extensions.DependencyInjection;

string folder = args[0];
string version = args[1];
int failures = 0;

// 1. Package metadata: README, MIT licence expression, repository, symbols package.
foreach (string id in new[] { "Codex.Auth", "Codex.Auth.Proxy", "Codex.Auth.Testing", "Codex.Auth.Cli" })
{
    string path = Path.Combine(folder, $"{id}.{version}.nupkg");
    using ZipArchive zip = ZipFile.OpenRead(path);
    XDocument nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
    XNamespace ns = nuspec.Root!.Name.Namespace;
    XElement metadata = nuspec.Root.Element(ns + "metadata")!;
    string? readme = metadata.Element(ns + "readme")?.Value;
    XElement? license = metadata.Element(ns + "license");
    XElement? repository = metadata.Element(ns + "repository");
    Check(readme is not null && zip.GetEntry(readme) is { Length: > 0 }, $"{id}: README packed");
    Check(license?.Attribute("type")?.Value == "expression" && license.Value == "MIT", $"{id}: license expression MIT");
    Check(repository?.Attribute("type")?.Value == "git" && repository.Attribute("url")?.Value.StartsWith("https://", StringComparison.Ordinal) == true, $"{id}: repository metadata");
    Check(File.Exists(Path.Combine(folder, $"{id}.{version}.snupkg")), $"{id}: symbols package");
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

Console.WriteLine(failures == 0 ? "package consumer: all checks passed" : $"package consumer: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    failures += ok ? 0 : 1;
}

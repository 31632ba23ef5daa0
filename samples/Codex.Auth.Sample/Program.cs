// Registers Codex.Auth with IHttpClientFactory and calls the Codex backend's Responses endpoint, streaming the answer.
//
//   dotnet run --project samples/Codex.Auth.Sample -c Release            # fake server unless this machine has Codex credentials
//   dotnet run --project samples/Codex.Auth.Sample -c Release -- --fake  # always the in-process fake server (CI)
//   dotnet run --project samples/Codex.Auth.Sample -c Release -- --real  # your `codex login` / CODEX_API_KEY / CODEX_ACCESS_TOKEN
//
// Nothing secret is printed: only the credential's scheme, fingerprint and account.
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Codex.Auth;
using Codex.Auth.Samples;
using Microsoft.Extensions.DependencyInjection;

await using SampleBackend backend = await SampleBackend.StartAsync(args);
Console.WriteLine($"Calling {backend.Description}.");

var services = new ServiceCollection();
backend.AddCodexClient(services, "codex"); // = services.AddHttpClient("codex").AddCodexAuth();
await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

IAuthProvider auth = provider.GetRequiredService<IAuthProvider>();
Console.WriteLine($"credential: {await auth.GetHeadersAsync()} (the token itself is never printed)");
HttpClient codex = provider.GetRequiredService<IHttpClientFactory>().CreateClient("codex");
Console.WriteLine($"base address: {codex.BaseAddress}");

string model = Environment.GetEnvironmentVariable("CODEX_SAMPLE_MODEL") ?? "gpt-5-codex";
string answer = await AskAsync(codex, model, "Say hello in five words.");
Console.WriteLine($"answer: {answer}");

if (backend.Server is { } server)
{
    // The backend rejects the next call with HTTP 401 although the token is valid: the handler asks the provider
    // to recover (refresh_reason = unauthorized_recovery) and resends once, transparently.
    server.BackendFaults.Unauthorized();
    string again = await AskAsync(codex, model, "And again?");
    Console.WriteLine($"after a 401: {again} (refreshes: {string.Join(", ", server.RefreshReasons)})");
    if (server.RefreshReasons is not ["unauthorized_recovery"])
    {
        Console.Error.WriteLine("expected exactly one unauthorized_recovery refresh");
        return 1;
    }
}

return answer.Length > 0 ? 0 : 1;

static async Task<string> AskAsync(HttpClient codex, string model, string prompt)
{
    var body = new
    {
        model,
        instructions = "You are a terse assistant.",
        input = new[] { new { type = "message", role = "user", content = new[] { new { type = "input_text", text = prompt } } } },
        stream = true,
        store = false,
    };
    using var request = new HttpRequestMessage(HttpMethod.Post, "responses") { Content = JsonContent.Create(body) };
    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
    using HttpResponseMessage response = await codex.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    Console.WriteLine($"POST {request.RequestUri} -> {(int)response.StatusCode}");
    if (!response.IsSuccessStatusCode)
    {
        Console.WriteLine(await response.Content.ReadAsStringAsync());
        return string.Empty;
    }

    // Server-sent events: print the text deltas as they arrive.
    var text = new System.Text.StringBuilder();
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
    while (await reader.ReadLineAsync() is { } line)
    {
        if (!line.StartsWith("data:", StringComparison.Ordinal))
        {
            continue;
        }

        using JsonDocument evt = JsonDocument.Parse(line.AsMemory(5));
        if (evt.RootElement.TryGetProperty("type", out JsonElement type) && type.GetString() == "response.output_text.delta"
            && evt.RootElement.TryGetProperty("delta", out JsonElement delta))
        {
            text.Append(delta.GetString());
        }
    }

    return text.ToString();
}

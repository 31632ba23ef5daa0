// The official OpenAI .NET SDK on top of the HttpClient that Codex.Auth authenticates: the SDK builds and parses the
// Responses API calls; Codex.Auth supplies the ChatGPT sign-in (or API key), refreshes it and recovers from 401s.
//
//   dotnet run --project samples/Codex.Auth.OpenAISample -c Release -- --fake   # in-process fake server (CI)
//   dotnet run --project samples/Codex.Auth.OpenAISample -c Release -- --real   # your own Codex credentials
using System.ClientModel;
using System.ClientModel.Primitives;
using Codex.Auth.Samples;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Responses;

await using SampleBackend backend = await SampleBackend.StartAsync(args);
Console.WriteLine($"Calling {backend.Description} through the OpenAI .NET SDK.");

var services = new ServiceCollection();
backend.AddCodexClient(services, "codex"); // = services.AddHttpClient("codex").AddCodexAuth();
await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
HttpClient codex = provider.GetRequiredService<IHttpClientFactory>().CreateClient("codex");

// The SDK sends through that HttpClient. Its own "Authorization: Bearer …" carries a placeholder: CodexAuthHandler
// removes any caller-supplied credential header and applies the real one on every attempt.
var client = new OpenAIClient(
    new ApiKeyCredential("set-by-codex-auth"),
    new OpenAIClientOptions
    {
        Transport = new HttpClientPipelineTransport(codex),
        Endpoint = codex.BaseAddress,   // https://chatgpt.com/backend-api/codex/ for a ChatGPT sign-in
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // resilience belongs outside the auth handler
    });
ResponsesClient responses = client.GetResponsesClient();

string model = Environment.GetEnvironmentVariable("CODEX_SAMPLE_MODEL") ?? "gpt-5-codex";
var options = new CreateResponseOptions(model, [ResponseItem.CreateUserMessageItem("Say hello in five words.")])
{
    Instructions = "You are a terse assistant.",
    StoredOutputEnabled = false,
    StreamingEnabled = true,
};

// The Codex backend streams; so does the fake server when asked to.
var text = new System.Text.StringBuilder();
string? status = null;
await foreach (StreamingResponseUpdate update in await responses.CreateResponseStreamingAsync(options))
{
    switch (update)
    {
        case StreamingResponseOutputTextDeltaUpdate delta:
            text.Append(delta.Delta);
            break;
        case StreamingResponseCompletedUpdate completed:
            status = completed.Response?.Status?.ToString();
            break;
    }
}

Console.WriteLine($"answer: {text} (status: {status ?? "n/a"})");
if (backend.Server is { } server)
{
    Console.WriteLine($"requests the fake backend saw: {string.Join(", ", server.Requests.Select(r => r.Method + " " + r.Path))}");
}

return text.Length > 0 ? 0 : 1;

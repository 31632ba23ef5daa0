using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>JWKS, task registration, whoami and a backend on one loopback Kestrel server.</summary>
public sealed class FakeAgentServer : IAsyncDisposable
{
    public const string JwksPath = "/backend-api/wham/agent-identities/jwks";
    public const string WhoAmIPath = "/api/accounts/v1/user-auth-credential/whoami";

    private LoopbackServer _server = null!;

    private FakeAgentServer()
    {
    }

    /// <summary>The keys the JWKS currently publishes.</summary>
    public List<TestJwtIssuer> JwksKeys { get; } = [];

    /// <summary>Scripted registration answers, used in order; then <see cref="DefaultRegistration"/>.</summary>
    public ConcurrentQueue<(int Status, string Body)> RegistrationAnswers { get; } = new();

    public (int Status, string Body) DefaultRegistration { get; set; } = (200, """{"task_id":"task_default"}""");

    public (int Status, string Body) WhoAmI { get; set; } =
        (200, """{"email":"pat@example.com","chatgpt_user_id":"user_pat","chatgpt_account_id":"acct_pat","chatgpt_plan_type":"plus","chatgpt_account_is_fedramp":false}""");

    /// <summary>When set, registration and whoami answers wait for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Called after the JWKS has been served (to rotate keys, for example).</summary>
    public Action<int>? AfterJwksFetch { get; set; }

    public Uri BaseAddress => _server.BaseAddress;

    public Uri JwksBaseUrl => new(_server.BaseAddress, "backend-api");

    public Uri BackendBaseUrl => new(_server.BaseAddress, "backend-api/codex");

    public IReadOnlyList<SeenRequest> Requests => _server.Requests;

    public IReadOnlyList<SeenRequest> JwksFetches => Requests.Where(r => r.Path == JwksPath).ToList();

    public IReadOnlyList<SeenRequest> Registrations => Requests.Where(r => r.Path.EndsWith("/task/register", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<SeenRequest> WhoAmIs => Requests.Where(r => r.Path == WhoAmIPath).ToList();

    public IReadOnlyList<SeenRequest> BackendRequests => Requests.Where(r => r.Path.StartsWith("/backend-api/codex/", StringComparison.Ordinal)).ToList();

    public static async Task<FakeAgentServer> StartAsync()
    {
        var fake = new FakeAgentServer();
        fake._server = await LoopbackServer.StartAsync();
        int jwksCount = 0;
        fake._server.Respond = request =>
        {
            if (request.Path == JwksPath)
            {
                var keys = new JsonArray();
                lock (fake.JwksKeys)
                {
                    foreach (TestJwtIssuer issuer in fake.JwksKeys)
                    {
                        keys.Add(issuer.Jwk());
                    }
                }

                string body = new JsonObject { ["keys"] = keys }.ToJsonString();
                fake.AfterJwksFetch?.Invoke(Interlocked.Increment(ref jwksCount));
                return (200, body);
            }

            if (request.Method == "POST" && request.Path.StartsWith("/api/accounts/v1/agent/", StringComparison.Ordinal) && request.Path.EndsWith("/task/register", StringComparison.Ordinal))
            {
                fake.Gate?.Task.Wait(TimeSpan.FromSeconds(30));
                return fake.RegistrationAnswers.TryDequeue(out var answer) ? answer : fake.DefaultRegistration;
            }

            if (request.Path == WhoAmIPath)
            {
                fake.Gate?.Task.Wait(TimeSpan.FromSeconds(30));
                return fake.WhoAmI;
            }

            if (request.Path.StartsWith("/backend-api/codex/", StringComparison.Ordinal))
            {
                return (200, """{"ok":true}""");
            }

            return (404, "{}");
        };
        return fake;
    }

    public ValueTask DisposeAsync()
    {
        Gate?.TrySetResult();
        return _server.DisposeAsync();
    }
}

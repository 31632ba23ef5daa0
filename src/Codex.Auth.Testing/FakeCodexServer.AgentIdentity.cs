using Codex.Auth.Testing.Internal;
using Microsoft.AspNetCore.Routing;

namespace Codex.Auth.Testing;

/// <content>Agent identities and personal access tokens (PROTOCOL §5–§6).</content>
public sealed partial class FakeCodexServer
{
#pragma warning disable CA1822 // Filled in by the agent-identity phase.
    private void MapAgentIdentityEndpoints(IEndpointRouteBuilder app)
    {
        _ = app;
    }

    private void DisposeAgentIdentity()
    {
    }

    private (BackendCaller? Caller, string Code, string Message) AuthenticateAgentAssertion(string assertion)
    {
        _ = assertion;
        return (null, "token_invalid", "Agent assertions are not supported.");
    }

    private (BackendCaller? Caller, string Code, string Message) AuthenticatePersonalAccessToken(string token)
    {
        _ = token;
        return (null, "token_invalid", "Personal access tokens are not supported.");
    }
#pragma warning restore CA1822
}

namespace Codex.Auth.Testing.Internal;

/// <summary>The server's view of an agent runtime: its public key, account and registered tasks.</summary>
internal sealed class AgentRuntimeState(FakeAgentRuntime runtime, byte[] publicKey)
{
    public FakeAgentRuntime Runtime { get; } = runtime;

    public byte[] PublicKey { get; } = publicKey;

    public List<string> TaskIds { get; } = [];
}

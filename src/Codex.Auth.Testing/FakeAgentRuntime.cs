using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Codex.Auth.Testing.Internal;

namespace Codex.Auth.Testing;

/// <summary>
/// An agent runtime created by <see cref="FakeCodexServer.CreateAgentRuntime"/>: an Ed25519 key bound to a
/// ChatGPT account (PROTOCOL §5). Its private key is given in both PKCS#8 forms clients must accept.
/// </summary>
/// <example>
/// <code>
/// FakeAgentRuntime agent = server.CreateAgentRuntime(accountId: "acct_1");
/// Environment.SetEnvironmentVariable("CODEX_ACCESS_TOKEN", agent.IdentityJwt);
/// </code>
/// </example>
public sealed class FakeAgentRuntime
{
    private readonly Func<FakeAgentRuntime, bool, TimeSpan, string> _mint;

    internal FakeAgentRuntime(
        string agentRuntimeId,
        FakeAccount account,
        byte[] seed,
        byte[] publicKey,
        bool encryptTaskId,
        Func<FakeAgentRuntime, bool, TimeSpan, string> mint)
    {
        AgentRuntimeId = agentRuntimeId;
        AccountId = account.AccountId;
        Email = account.Email;
        Plan = account.Plan;
        IsFedRamp = account.IsFedRamp;
        UserId = account.UserId;
        PrivateKeyPkcs8V1 = Convert.ToBase64String(Ed25519Keys.Pkcs8V1(seed));
        PrivateKeyPkcs8V2 = Convert.ToBase64String(Ed25519Keys.Pkcs8V2(seed, publicKey));
        PublicKey = Convert.ToBase64String(publicKey);
        EncryptTaskId = encryptTaskId;
        _mint = mint;
        IdentityJwt = mint(this, false, TimeSpan.FromDays(1));
    }

    /// <summary>Gets the agent runtime id.</summary>
    public string AgentRuntimeId { get; }

    /// <summary>Gets the ChatGPT account id the runtime is bound to.</summary>
    public string AccountId { get; }

    /// <summary>Gets the email claim (may be empty).</summary>
    public string Email { get; }

    /// <summary>Gets the plan type claim.</summary>
    public string Plan { get; }

    /// <summary>Gets a value indicating whether the account is a FedRAMP account.</summary>
    public bool IsFedRamp { get; }

    /// <summary>Gets the ChatGPT user id.</summary>
    public string UserId { get; }

    /// <summary>Gets the private key as standard base64 of the 48-byte PKCS#8 v1 form (seed only).</summary>
    public string PrivateKeyPkcs8V1 { get; }

    /// <summary>Gets the private key as standard base64 of the 83-byte PKCS#8 v2 form (seed and public key).</summary>
    public string PrivateKeyPkcs8V2 { get; }

    /// <summary>Gets the raw 32-byte Ed25519 public key, standard base64.</summary>
    public string PublicKey { get; }

    /// <summary>Gets a value indicating whether task registration answers <c>encrypted_task_id</c> (a sealed box) instead of <c>task_id</c>.</summary>
    public bool EncryptTaskId { get; }

    /// <summary>Gets an agent-identity JWT for this runtime (v1 key form, valid one day from creation).</summary>
    public string IdentityJwt { get; }

    /// <summary>Mints a new agent-identity JWT for this runtime, signed RS256 with the server's key (with its <c>kid</c>).</summary>
    /// <param name="embedV2Key">Put the 83-byte v2 PKCS#8 form in <c>agent_private_key</c> instead of the 48-byte v1 form.</param>
    /// <param name="lifetime">Time from now to <c>exp</c>; default one day. Negative values mint an expired JWT.</param>
    /// <returns>The JWT.</returns>
    public string MintIdentityJwt(bool embedV2Key = false, TimeSpan? lifetime = null) =>
        _mint(this, embedV2Key, lifetime ?? TimeSpan.FromDays(1));

    /// <summary>Returns an auth.json document for agent-identity mode: <c>{"auth_mode":"agentIdentity","OPENAI_API_KEY":null,"agent_identity":"&lt;JWT&gt;"}</c>.</summary>
    /// <returns>The pretty-printed JSON text.</returns>
    public string ToAuthJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("auth_mode", "agentIdentity");
            writer.WriteNull("OPENAI_API_KEY");
            writer.WriteString("agent_identity", IdentityJwt);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Describes the runtime without printing its key.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"FakeAgentRuntime {{ AgentRuntimeId = {AgentRuntimeId}, AccountId = {AccountId} }}");
}

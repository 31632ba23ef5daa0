using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Codex.Auth.AgentIdentity;
using Codex.Auth.Internal;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>
/// The per-second assertion builder (<see cref="AgentAssertion.BuildHeaders"/>, reusing per-thread buffers) produces exactly the
/// bytes of the straightforward builder (<see cref="AgentAssertion.BuildCredential"/>), whose format the protocol tests pin down.
/// </summary>
public sealed class AgentAssertionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(43)]
    [InlineData(1000)]
    public void Signing_into_a_buffer_gives_the_signature_sodium_core_returns(int length)
    {
        // The per-second assertion signs into a stack buffer through libsodium directly (issue 15); Sodium.Core's array API is the
        // reference (Ed25519 is deterministic, so the two must be byte-identical).
        AgentSigningKey key = AgentSigningKey.Parse(TestAgentKey.Create().Pkcs8V1);
        byte[] message = RandomNumberGenerator.GetBytes(length);
        Span<byte> signature = stackalloc byte[AgentSigningKey.SignatureLength + 2];
        signature.Fill(0xA5);

        key.Sign(message, signature[1..^1]);

        Assert.Equal(key.Sign(message), signature[1..^1].ToArray());
        Assert.Equal(0xA5, signature[0]);
        Assert.Equal(0xA5, signature[^1]);
        Assert.Throws<ArgumentException>(() => key.Sign(message, new byte[AgentSigningKey.SignatureLength - 1]));
    }

    [Theory]
    [InlineData("rt_1", "task_1")]
    [InlineData("agent-runtime-0123456789abcdef", "task-\"quoted\"\\back")]
    [InlineData("rt_ünïcødé", "tâsk/with+base64-ish/chars")]
    public void BuildHeaders_is_byte_identical_to_the_reference_builder_for_every_second(string runtimeId, string taskId)
    {
        TestAgentKey testKey = TestAgentKey.Create();
        AgentSigningKey key = AgentSigningKey.Parse(testKey.Pkcs8V1);
        long start = new DateTimeOffset(2026, 4, 23, 23, 59, 58, TimeSpan.Zero).ToUnixTimeSeconds();
        for (long second = start; second < start + 4; second++)
        {
            AuthHeaders built = AgentAssertion.BuildHeaders(key, runtimeId, taskId, second, "acct_1", isFedRamp: true);
            string reference = AgentAssertion.BuildCredential(key, runtimeId, taskId, AgentAssertion.FormatTimestamp(second));

            Assert.Equal("AgentAssertion " + reference, built.AuthorizationValue);
            Assert.True(built.HasSameCredential(new AuthHeaders(AgentAssertion.Scheme, reference, "acct_1", isFedRamp: true)));
            Assert.Equal(Fingerprints.Of(reference), built.Fingerprint);
            Assert.Equal("acct_1", built.AccountId);
            Assert.True(built.IsFedRamp);

            // And the signature inside verifies, with an independent Ed25519 implementation, over runtime:task:timestamp.
            using JsonDocument envelope = JsonDocument.Parse(Base64Url.Decode(reference));
            Assert.Equal(runtimeId, envelope.RootElement.GetProperty("agent_runtime_id").GetString());
            string timestamp = envelope.RootElement.GetProperty("timestamp").GetString()!;
            Assert.Equal(AgentAssertion.FormatTimestamp(second), timestamp);
            byte[] signature = Convert.FromBase64String(envelope.RootElement.GetProperty("signature").GetString()!);
            Assert.True(testKey.Verify(Encoding.UTF8.GetBytes($"{runtimeId}:{taskId}:{timestamp}"), signature));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("sk-a")]
    [InlineData("ünïcødé credential")]
    public void Fingerprints_are_the_first_four_bytes_of_sha256_in_lowercase_hex(string secret)
    {
        string expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8].ToLowerInvariant();

        string longSecret = new string('x', 2000) + secret; // over the stack buffer: the pooled path
        string longExpected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(longSecret)))[..8].ToLowerInvariant();

        Assert.Equal(expected, Fingerprints.Of(secret));
        Assert.Equal(longExpected, Fingerprints.Of(longSecret));
    }
}

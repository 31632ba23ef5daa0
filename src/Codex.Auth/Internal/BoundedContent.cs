namespace Codex.Auth.Internal;

/// <summary>Reads an HTTP answer's body up to a cap, so that a hostile or broken server cannot make a credential read use unbounded memory.</summary>
internal static class BoundedContent
{
    /// <summary>Reads the body; <see langword="null"/> when it is longer than <paramref name="maxBytes"/> (declared or actual).</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            return null;
        }

        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[16 * 1024];
            int n;
            while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, n);
            }

            return buffer.ToArray();
        }
    }
}

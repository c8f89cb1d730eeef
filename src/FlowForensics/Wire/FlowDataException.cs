namespace FlowForensics.Wire;

/// <summary>
/// Bad input: a capture, flow file or datagram that cannot be read further. Carries where (the file or
/// exporter, and the byte offset) and why, so the cmdlet can name all three in its error.
/// Thrown only at the file or packet edge; hot loops use Try-methods and status enums.
/// </summary>
public class FlowDataException : Exception
{
    public FlowDataException(string source, long offset, string reason)
        : base($"{source}: {reason} at byte {offset}.")
    {
        DataSource = source;
        Offset = offset;
        Reason = reason;
    }

    public FlowDataException(string source, long offset, string reason, Exception inner)
        : base($"{source}: {reason} at byte {offset}.", inner)
    {
        DataSource = source;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The file path or exporter address the bad bytes came from.</summary>
    public string DataSource { get; }

    /// <summary>Byte offset of the damage within <see cref="DataSource"/>.</summary>
    public long Offset { get; }

    /// <summary>What was wrong, in plain words.</summary>
    public string Reason { get; }
}

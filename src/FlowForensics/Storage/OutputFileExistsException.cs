namespace FlowForensics.Storage;

/// <summary>A flow file to be written exists and overwriting was not asked for.</summary>
public sealed class OutputFileExistsException : IOException
{
    public OutputFileExistsException(string path)
        : base($"'{path}' exists; pass overwrite to replace it.")
    {
        Path = path;
    }

    /// <summary>The full path of the existing file.</summary>
    public string Path { get; }
}

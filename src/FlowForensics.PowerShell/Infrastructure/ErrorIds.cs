namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Every FullyQualifiedErrorId prefix the module raises. These are public API: scripts catch them and
/// Pester asserts them with -ErrorId, so a value never changes once released.
/// </summary>
public static class ErrorIds
{
    /// <summary>A path matched no file.</summary>
    public const string PathNotFound = "PathNotFound";

    /// <summary>A path is not on the FileSystem provider.</summary>
    public const string PathNotFileSystem = "PathNotFileSystem";

    /// <summary>A capture file is damaged or truncated; flows before the damage were emitted.</summary>
    public const string CaptureCorrupt = "CaptureCorrupt";

    /// <summary>A file is not a capture we can read (unknown magic).</summary>
    public const string CaptureUnsupported = "CaptureUnsupported";

    /// <summary>A file could not be opened or read (I/O, permissions).</summary>
    public const string FileReadFailed = "FileReadFailed";

    /// <summary>A flow file is damaged; flows before the damage were emitted.</summary>
    public const string FlowFileCorrupt = "FlowFileCorrupt";

    /// <summary>The -Filter text is not valid nfdump filter syntax.</summary>
    public const string FilterSyntax = "FilterSyntax";

    /// <summary>A live capture could not be started (no libpcap, no such interface, no permission).</summary>
    public const string LiveCaptureFailed = "LiveCaptureFailed";

    /// <summary>Convert-PcapToFlow -Duration was zero or negative.</summary>
    public const string DurationNotPositive = "DurationNotPositive";

    /// <summary>-RotateEvery is not a slot nfcapd could use (one minute to one day, dividing a day).</summary>
    public const string RotateEveryInvalid = "RotateEveryInvalid";

    /// <summary>An output file exists and -Force was not given.</summary>
    public const string OutputExists = "OutputExists";

    /// <summary>An output file could not be written.</summary>
    public const string OutputWriteFailed = "OutputWriteFailed";

    /// <summary>The flow table reached -MaxActiveFlows and evicted flows early (a warning-level condition).</summary>
    public const string FlowTableFull = "FlowTableFull";

    /// <summary>A Measure-FlowTopN -Property value is not supported, or the properties cannot be combined (e.g. -Bidirectional on a one-ended key).</summary>
    public const string TopNPropertyInvalid = "TopNPropertyInvalid";

    /// <summary>A file given to a flow-file cmdlet is not an nfcapd file (wrong magic, unknown or unsupported layout).</summary>
    public const string FlowFileUnsupported = "FlowFileUnsupported";

    /// <summary>-End is before -Start.</summary>
    public const string TimeWindowInvalid = "TimeWindowInvalid";

    /// <summary>Start-FlowCollector could not bind its UDP socket (port in use, address not on this machine, no permission).</summary>
    public const string CollectorBindFailed = "CollectorBindFailed";

    /// <summary>A Start-FlowCollector -TemplateFile could not be read or is corrupt; the collector starts without it.</summary>
    public const string TemplateFileInvalid = "TemplateFileInvalid";

    /// <summary>A hunt's -Exclude entry is not an address, a network, a port or port/protocol.</summary>
    public const string ExcludeInvalid = "ExcludeInvalid";

    /// <summary>A network list (-InternalNetwork and the like) holds an entry that is not an address or a CIDR network.</summary>
    public const string NetworkInvalid = "NetworkInvalid";

    /// <summary>A -Baseline file is not a baseline this version reads (bad JSON, wrong format or version), or the value is not a baseline.</summary>
    public const string BaselineInvalid = "BaselineInvalid";

    /// <summary>A baseline or anomaly setting (-Interval, -NetworkPrefixLength, a threshold) is out of range.</summary>
    public const string BaselineSettingInvalid = "BaselineSettingInvalid";
    /// <summary>A hunt's setting is out of range or inconsistent with another (Find-FlowScan's TRW probabilities, windows and thresholds, Find-FlowExfiltration's -AllowedPort ...).</summary>
    public const string HuntOptionInvalid = "HuntOptionInvalid";

    /// <summary>Convert-PcapToFlow -ExportProtocol names no protocol, or -ScaleBySampling without it.</summary>
    public const string ExportProtocolInvalid = "ExportProtocolInvalid";

    /// <summary>Export-FlowReport: none of the input could be read, so no (empty, misleading) workbook was written.</summary>
    public const string NoReadableInput = "NoReadableInput";
}

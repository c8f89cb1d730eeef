namespace FlowForensics.Capture.Live;

/// <summary>A live capture could not be opened or failed while reading (libpcap missing, no such interface, no permission, bad filter).</summary>
public sealed class CaptureDeviceException : Exception
{
    public CaptureDeviceException(string device, string message)
        : base(message)
    {
        Device = device;
    }

    public CaptureDeviceException(string device, string message, Exception inner)
        : base(message, inner)
    {
        Device = device;
    }

    /// <summary>The interface name ("" when listing interfaces failed).</summary>
    public string Device { get; }
}

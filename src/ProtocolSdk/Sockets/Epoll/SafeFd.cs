using System;
using System.Runtime.InteropServices;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// A socket descriptor the epoll engine accepted itself (no <see cref="System.Net.Sockets.Socket"/> around it): closed
/// once, when the last call that holds it (<see cref="SafeHandle.DangerousAddRef"/>) lets go, so a send racing a close
/// never reaches a descriptor number the kernel already gave to another connection.
/// </summary>
internal sealed class SafeFd : SafeHandle
{
    public SafeFd(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle == new IntPtr(-1);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}

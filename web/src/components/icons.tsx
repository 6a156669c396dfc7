import type { ReactNode, SVGProps } from "react";

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function Svg({ size = 18, children, ...rest }: IconProps & { children: ReactNode }) {
	return (
		<svg
			width={size}
			height={size}
			viewBox="0 0 24 24"
			fill="none"
			stroke="currentColor"
			strokeWidth={1.8}
			strokeLinecap="round"
			strokeLinejoin="round"
			aria-hidden="true"
			focusable="false"
			{...rest}
		>
			{children}
		</svg>
	);
}

export const IconPlus = (p: IconProps) => (
	<Svg {...p}>
		<path d="M12 5v14M5 12h14" />
	</Svg>
);
export const IconSend = (p: IconProps) => (
	<Svg {...p}>
		<path d="M12 19V5M5 12l7-7 7 7" />
	</Svg>
);
export const IconStop = (p: IconProps) => (
	<Svg {...p}>
		<rect x="7" y="7" width="10" height="10" rx="2" fill="currentColor" stroke="none" />
	</Svg>
);
export const IconMenu = (p: IconProps) => (
	<Svg {...p}>
		<path d="M4 7h16M4 12h16M4 17h10" />
	</Svg>
);
export const IconSun = (p: IconProps) => (
	<Svg {...p}>
		<circle cx="12" cy="12" r="4" />
		<path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
	</Svg>
);
export const IconMoon = (p: IconProps) => (
	<Svg {...p}>
		<path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5Z" />
	</Svg>
);
export const IconTrash = (p: IconProps) => (
	<Svg {...p}>
		<path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" />
	</Svg>
);
export const IconPencil = (p: IconProps) => (
	<Svg {...p}>
		<path d="M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16v4Z" />
	</Svg>
);
export const IconCheck = (p: IconProps) => (
	<Svg {...p}>
		<path d="m5 12 5 5 9-10" />
	</Svg>
);
export const IconCopy = (p: IconProps) => (
	<Svg {...p}>
		<rect x="9" y="9" width="11" height="11" rx="2" />
		<path d="M5 15V6a2 2 0 0 1 2-2h9" />
	</Svg>
);
export const IconChevron = (p: IconProps) => (
	<Svg {...p}>
		<path d="m6 9 6 6 6-6" />
	</Svg>
);
export const IconTool = (p: IconProps) => (
	<Svg {...p}>
		<path d="M14.7 6.3a4 4 0 0 0-5.4 5.1L3.5 17.2a1.8 1.8 0 0 0 2.6 2.6l5.8-5.8a4 4 0 0 0 5.1-5.4l-2.6 2.6-2.3-.5-.5-2.3 2.6-2.6Z" />
	</Svg>
);
export const IconAlert = (p: IconProps) => (
	<Svg {...p}>
		<path d="M12 9v4M12 17h.01" />
		<path d="M10.3 3.9 2.4 17.5A2 2 0 0 0 4.1 20.5h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" />
	</Svg>
);
export const IconSearch = (p: IconProps) => (
	<Svg {...p}>
		<circle cx="11" cy="11" r="7" />
		<path d="m20 20-3.5-3.5" />
	</Svg>
);
export const IconX = (p: IconProps) => (
	<Svg {...p}>
		<path d="M6 6l12 12M18 6 6 18" />
	</Svg>
);
export const IconChat = (p: IconProps) => (
	<Svg {...p}>
		<path d="M20 12a8 8 0 0 1-11.6 7.1L4 20l1-4.2A8 8 0 1 1 20 12Z" />
	</Svg>
);
export const IconGrid = (p: IconProps) => (
	<Svg {...p}>
		<rect x="4" y="4" width="7" height="7" rx="1.5" />
		<rect x="13" y="4" width="7" height="7" rx="1.5" />
		<rect x="4" y="13" width="7" height="7" rx="1.5" />
		<rect x="13" y="13" width="7" height="7" rx="1.5" />
	</Svg>
);
export const IconUser = (p: IconProps) => (
	<Svg {...p}>
		<circle cx="12" cy="8" r="4" />
		<path d="M4 21a8 8 0 0 1 16 0" />
	</Svg>
);
export const IconLock = (p: IconProps) => (
	<Svg {...p}>
		<rect x="5" y="11" width="14" height="10" rx="2" />
		<path d="M8 11V8a4 4 0 0 1 8 0v3" />
	</Svg>
);
export const IconRefresh = (p: IconProps) => (
	<Svg {...p}>
		<path d="M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4" />
	</Svg>
);

/** The eclipse mark. */
export function Logo({ size = 26 }: { size?: number }) {
	return (
		<svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
			<defs>
				<linearGradient id="penumbra-logo" x1="0" y1="0" x2="1" y2="1">
					<stop offset="0" stopColor="#a395ff" />
					<stop offset="1" stopColor="#5b4ff0" />
				</linearGradient>
			</defs>
			<circle cx="16" cy="16" r="11" fill="url(#penumbra-logo)" />
			<circle cx="21" cy="12" r="9.5" fill="var(--bg)" />
		</svg>
	);
}
